"""SQL for the targets' health (webhook endpoints and topic subscriptions alike): one row per target that
is not healthy, read under lock by the worker recording a batch of attempts."""

import uuid

import asyncpg

from services.notifier.health import HEALTHY, Health
from services.notifier.store import Db


async def for_update(conn: asyncpg.Connection, target_ids: list[uuid.UUID]) -> dict[uuid.UUID, Health]:
    """The targets' health, locked in a stable order (two workers' batches lock alike, not crosswise)."""
    rows = await conn.fetch(
        """SELECT target_id, consecutive_failures, trips, open_until, failing_since FROM notifier.target_health
           WHERE target_id = ANY($1::uuid[]) ORDER BY target_id FOR UPDATE""",
        sorted(target_ids),
    )
    return {row["target_id"]: Health(row["consecutive_failures"], row["trips"], row["open_until"],
                                     row["failing_since"]) for row in rows}


async def save(conn: asyncpg.Connection, states: dict[uuid.UUID, Health]) -> None:
    """Store each target's state; a healthy target has no row."""
    healthy = [t for t, h in states.items() if h == HEALTHY]
    sick = {t: h for t, h in states.items() if h != HEALTHY}
    if healthy:
        await forget(conn, healthy)
    if sick:
        await conn.execute(
            """INSERT INTO notifier.target_health (target_id, consecutive_failures, trips, open_until, failing_since)
               SELECT * FROM unnest($1::uuid[], $2::int[], $3::int[], $4::timestamptz[], $5::timestamptz[])
               ON CONFLICT (target_id) DO UPDATE SET
                   consecutive_failures = excluded.consecutive_failures, trips = excluded.trips,
                   open_until = excluded.open_until, failing_since = excluded.failing_since, updated_at = now()""",
            list(sick), [h.consecutive_failures for h in sick.values()], [h.trips for h in sick.values()],
            [h.open_until for h in sick.values()], [h.failing_since for h in sick.values()],
        )


async def forget(db: Db, target_ids: list[uuid.UUID]) -> None:
    """Back to healthy: a clean record."""
    await db.execute("DELETE FROM notifier.target_health WHERE target_id = ANY($1::uuid[])", target_ids)
