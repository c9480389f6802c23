"""SQL for the notifier's webhook endpoints, its delivery queue and the targets' health.

The queue is one table for every target (webhook endpoint or topic subscription). A worker claims due
rows with FOR UPDATE SKIP LOCKED and leases them: next_attempt_at moves past the attempt's deadline and
`leased_by` names the claim, so another replica neither sends the same attempt nor records over it, and
a crashed worker's rows come back when the lease runs out, with the same id.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.notifier.health import Health

Db = asyncpg.Pool | asyncpg.Connection

DELIVERIES_CHANNEL = "notifier_deliveries"  # NOTIFY'd when deliveries are queued; wakes the workers
ERROR_MAX_CHARS = 500
_ENDPOINT_COLUMNS = """id, url, event_types, created_at, disabled_at, disabled_reason,
                       previous_secret_expires_at"""


# --- endpoints

async def create_endpoint(db: Db, *, endpoint_id: uuid.UUID, tenant_id: uuid.UUID, url: str,
                          event_types: list[str], secret: str) -> asyncpg.Record:
    return await db.fetchrow(
        f"""INSERT INTO notifier.endpoints (id, tenant_id, url, event_types, secret)
            VALUES ($1, $2, $3, $4, $5) RETURNING {_ENDPOINT_COLUMNS}, secret""",
        endpoint_id, tenant_id, url, event_types, secret,
    )


async def list_endpoints(db: Db, tenant_id: uuid.UUID) -> list[asyncpg.Record]:
    return await db.fetch(
        f"""SELECT {_ENDPOINT_COLUMNS} FROM notifier.endpoints
            WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY created_at, id""",
        tenant_id,
    )


async def get_endpoint(db: Db, tenant_id: uuid.UUID, endpoint_id: uuid.UUID) -> asyncpg.Record | None:
    return await db.fetchrow(
        f"""SELECT {_ENDPOINT_COLUMNS}, h.failing_since, h.open_until AS breaker_open_until
            FROM notifier.endpoints e LEFT JOIN notifier.target_health h ON h.target_id = e.id
            WHERE e.id = $1 AND e.tenant_id = $2 AND e.deleted_at IS NULL""",
        endpoint_id, tenant_id,
    )


async def delete_endpoint(pool: asyncpg.Pool, tenant_id: uuid.UUID, endpoint_id: uuid.UUID) -> bool:
    """Soft-delete the endpoint and cancel what it still had queued. False if the tenant has no such endpoint."""
    async with pool.acquire() as conn, conn.transaction():
        deleted = await conn.fetchval(
            """UPDATE notifier.endpoints SET deleted_at = now()
               WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL RETURNING true""",
            endpoint_id, tenant_id,
        )
        if deleted:
            await cancel_pending(conn, endpoint_id, "endpoint deleted")
        return bool(deleted)


async def rotate_secret(db: Db, tenant_id: uuid.UUID, endpoint_id: uuid.UUID, secret: str,
                        previous_expires_at: datetime) -> asyncpg.Record | None:
    """The new secret signs from now on; the current one keeps signing until `previous_expires_at`."""
    return await db.fetchrow(
        """UPDATE notifier.endpoints
           SET previous_secret = secret, previous_secret_expires_at = $4, secret = $3
           WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL
           RETURNING secret, previous_secret_expires_at""",
        endpoint_id, tenant_id, secret, previous_expires_at,
    )


async def enable_endpoint(pool: asyncpg.Pool, tenant_id: uuid.UUID, endpoint_id: uuid.UUID) -> bool:
    """Enabled again with a clean health record. False if the tenant has no such endpoint."""
    async with pool.acquire() as conn, conn.transaction():
        found = await conn.fetchval(
            """UPDATE notifier.endpoints SET disabled_at = NULL, disabled_reason = NULL
               WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL RETURNING true""",
            endpoint_id, tenant_id,
        )
        if found:
            await conn.execute("DELETE FROM notifier.target_health WHERE target_id = $1", endpoint_id)
        return bool(found)


async def disable_endpoint(conn: asyncpg.Connection, endpoint_id: uuid.UUID, reason: str,
                           now: datetime) -> asyncpg.Record | None:
    """Disable a live, enabled endpoint and fail what it had queued (replay brings it back)."""
    row = await conn.fetchrow(
        """UPDATE notifier.endpoints SET disabled_at = $2, disabled_reason = $3
           WHERE id = $1 AND deleted_at IS NULL AND disabled_at IS NULL
           RETURNING id, tenant_id, url, disabled_at""",
        endpoint_id, now, reason,
    )
    if row:
        await conn.execute(
            """UPDATE notifier.deliveries SET status = 'failed', last_error = 'endpoint disabled', leased_by = NULL
               WHERE target_id = $1 AND status = 'pending'""",
            endpoint_id,
        )
    return row


async def cancel_pending(conn: asyncpg.Connection, target_id: uuid.UUID, reason: str) -> None:
    await conn.execute(
        """UPDATE notifier.deliveries SET status = 'cancelled', last_error = $2, leased_by = NULL
           WHERE target_id = $1 AND status = 'pending'""",
        target_id, reason,
    )


async def subscribed_endpoints(conn: asyncpg.Connection, tenant_id: uuid.UUID,
                               event_type: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT id, disabled_at IS NOT NULL AS disabled FROM notifier.endpoints
           WHERE tenant_id = $1 AND deleted_at IS NULL AND $2 = ANY(event_types)""",
        tenant_id, event_type,
    )


# --- the queue

@dataclass(frozen=True)
class Queued:
    id: uuid.UUID
    channel: str  # webhook | http | email
    body: str
    endpoint_id: uuid.UUID | None = None
    subscription_id: uuid.UUID | None = None
    failed_because: str | None = None  # queued as already failed (its endpoint is disabled)


async def queue(conn: asyncpg.Connection, deliveries: list[Queued], *, tenant_id: uuid.UUID,
                event_id: uuid.UUID, event_type: str) -> None:
    """Queue deliveries of one event; an id already queued stays as it is. A target whose breaker is
    open gets its delivery when the breaker lets it through."""
    if not deliveries:
        return
    await conn.execute(
        """INSERT INTO notifier.deliveries
               (id, channel, endpoint_id, subscription_id, body, status, last_error,
                tenant_id, event_id, event_type, next_attempt_at)
           SELECT q.id, q.channel, q.endpoint_id, q.subscription_id, q.body,
                  CASE WHEN q.failed_because IS NULL THEN 'pending' ELSE 'failed' END, q.failed_because,
                  $8, $9, $10, greatest(now(), h.open_until)
           FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::uuid[])
                AS q(id, channel, endpoint_id, subscription_id, body, failed_because, target_id)
           LEFT JOIN notifier.target_health h ON h.target_id = q.target_id
           ON CONFLICT (id) DO NOTHING""",
        [d.id for d in deliveries], [d.channel for d in deliveries], [d.endpoint_id for d in deliveries],
        [d.subscription_id for d in deliveries], [d.body for d in deliveries],
        [d.failed_because for d in deliveries], [d.endpoint_id or d.subscription_id for d in deliveries],
        tenant_id, event_id, event_type,
    )
    # Delivered at commit, so the workers wake only for committed rows.
    await conn.execute("SELECT pg_notify($1, '')", DELIVERIES_CHANNEL)


async def claim_due(pool: asyncpg.Pool, *, now: datetime, limit: int, lease_until: datetime, lease: uuid.UUID,
                    target_cap: int, breaker_failures: int, busy: dict[uuid.UUID, int]) -> list[asyncpg.Record]:
    """Take up to `limit` due deliveries and lease them, at most as many per target as it may have in flight:
    none while its breaker is open, one probe when half-open (open period over, failures not yet cleared),
    else `target_cap` less what this process already has in flight for it (`busy`)."""
    return await pool.fetch(
        """WITH busy AS (
               SELECT * FROM unnest($6::uuid[], $7::int[]) AS b(target_id, inflight)
           ), due AS (
               SELECT id, target_id, next_attempt_at,
                      row_number() OVER (PARTITION BY target_id ORDER BY next_attempt_at, id) AS rank
               FROM notifier.deliveries WHERE status = 'pending' AND next_attempt_at <= $1
           ), allowed AS (
               SELECT due.id, due.next_attempt_at FROM due
               LEFT JOIN notifier.target_health h ON h.target_id = due.target_id
               LEFT JOIN busy b ON b.target_id = due.target_id
               WHERE due.rank <= CASE WHEN h.open_until > $1 THEN 0
                                      WHEN h.consecutive_failures >= $5 THEN 1
                                      ELSE $4 END - coalesce(b.inflight, 0)
               ORDER BY due.next_attempt_at LIMIT $2
           ), locked AS (
               SELECT d.id, d.endpoint_id, d.subscription_id FROM notifier.deliveries d
               JOIN allowed a ON a.id = d.id
               WHERE d.status = 'pending' AND d.next_attempt_at <= $1
               FOR UPDATE OF d SKIP LOCKED
           )
           UPDATE notifier.deliveries d SET next_attempt_at = $3, leased_by = $8
           FROM locked l
           LEFT JOIN notifier.endpoints e ON e.id = l.endpoint_id
           LEFT JOIN notifier.subscriptions s ON s.id = l.subscription_id
           LEFT JOIN notifier.topics t ON t.id = s.topic_id
           WHERE d.id = l.id
           RETURNING d.id, d.channel, d.target_id, d.tenant_id, d.event_type, d.attempts, d.round_attempts,
                     d.body, d.leased_by, e.url, e.secret,
                     CASE WHEN e.previous_secret_expires_at > $1 THEN e.previous_secret END AS previous_secret,
                     s.endpoint AS subscriber, s.protocol, t.urn AS topic_urn""",
        now, limit, lease_until, target_cap, breaker_failures, list(busy), list(busy.values()), lease,
    )


@dataclass(frozen=True)
class Attempt:
    """One attempt's result and the delivery's state after it."""

    delivery_id: uuid.UUID
    lease: uuid.UUID
    started_at: datetime
    status: str  # pending (retry at next_attempt_at), delivered, failed
    status_code: int | None
    latency_ms: int
    error: str | None
    next_attempt_at: datetime | None


async def record_attempts(conn: asyncpg.Connection, attempts: list[Attempt], now: datetime) -> list[asyncpg.Record]:
    """Record a batch of attempts and their deliveries' new state. Only attempts whose lease still holds are
    written (another worker may have taken an expired lease over); those are returned."""
    return await conn.fetch(
        """WITH r AS (
               SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::text[], $5::int[], $6::int[],
                                    $7::text[], $8::timestamptz[])
                   AS r(id, lease, started_at, status, status_code, latency_ms, error, next_attempt_at)
           ), d AS (
               UPDATE notifier.deliveries d SET
                   attempts = d.attempts + 1, round_attempts = d.round_attempts + 1, status = r.status,
                   last_status_code = r.status_code, last_error = r.error, leased_by = NULL,
                   delivered_at = CASE WHEN r.status = 'delivered' THEN $9::timestamptz END,
                   next_attempt_at = coalesce(r.next_attempt_at, d.next_attempt_at)
               FROM r WHERE d.id = r.id AND d.leased_by = r.lease AND d.status = 'pending'
               RETURNING d.id, d.attempts, d.status, d.target_id, d.endpoint_id, d.tenant_id, d.event_type,
                         d.last_status_code, d.last_error
           ), a AS (
               INSERT INTO notifier.delivery_attempts (delivery_id, attempt, status_code, latency_ms, error, at)
               SELECT d.id, d.attempts, r.status_code, r.latency_ms, r.error, r.started_at
               FROM d JOIN r ON r.id = d.id
           )
           SELECT * FROM d""",
        [a.delivery_id for a in attempts], [a.lease for a in attempts], [a.started_at for a in attempts],
        [a.status for a in attempts], [a.status_code for a in attempts], [a.latency_ms for a in attempts],
        [a.error[:ERROR_MAX_CHARS] if a.error else None for a in attempts],
        [a.next_attempt_at for a in attempts], now,
    )


async def list_deliveries(db: Db, tenant_id: uuid.UUID, endpoint_id: uuid.UUID, *, limit: int,
                          before: uuid.UUID | None = None, status: str | None = None) -> list[asyncpg.Record]:
    """Newest first, each with its attempts (a JSON list); `before` is the last id of the previous page."""
    return await db.fetch(
        """SELECT d.id, d.event_type, d.status, d.attempts, d.last_status_code, d.last_error, d.created_at,
                  d.delivered_at, CASE WHEN d.status = 'pending' THEN d.next_attempt_at END AS next_attempt_at,
                  coalesce((SELECT jsonb_agg(jsonb_build_object(
                                'attempt', a.attempt, 'status_code', a.status_code, 'latency_ms', a.latency_ms,
                                'error', a.error, 'at', a.at) ORDER BY a.attempt)
                            FROM notifier.delivery_attempts a WHERE a.delivery_id = d.id), '[]') AS attempt_history
           FROM notifier.deliveries d
           WHERE d.target_id = $1 AND d.tenant_id = $2 AND ($5::text IS NULL OR d.status = $5)
             AND ($4::uuid IS NULL OR (d.created_at, d.id) < (
                     SELECT created_at, id FROM notifier.deliveries WHERE id = $4 AND target_id = $1))
           ORDER BY d.created_at DESC, d.id DESC LIMIT $3""",
        endpoint_id, tenant_id, limit, before, status,
    )


async def replay(pool: asyncpg.Pool, tenant_id: uuid.UUID, endpoint_id: uuid.UUID, since: datetime,
                 until: datetime | None) -> int:
    """Queue again, with their ids, the endpoint's deliveries created in [since, until) that are not pending:
    a fresh round of attempts each. The caller has checked that the endpoint is enabled."""
    async with pool.acquire() as conn, conn.transaction():
        replayed = await conn.fetchval(
            """WITH replayed AS (
                   UPDATE notifier.deliveries
                   SET status = 'pending', round_attempts = 0, next_attempt_at = now(), delivered_at = NULL,
                       leased_by = NULL
                   WHERE target_id = $1 AND tenant_id = $2 AND status IN ('delivered', 'failed')
                     AND created_at >= $3 AND ($4::timestamptz IS NULL OR created_at < $4)
                   RETURNING id)
               SELECT count(*) FROM replayed""",
            endpoint_id, tenant_id, since, until,
        )
        if replayed:
            await conn.execute("SELECT pg_notify($1, '')", DELIVERIES_CHANNEL)
        return replayed


# --- targets' health

async def health_for_update(conn: asyncpg.Connection, target_ids: list[uuid.UUID]) -> dict[uuid.UUID, Health]:
    rows = await conn.fetch(
        """SELECT target_id, consecutive_failures, trips, open_until, failing_since FROM notifier.target_health
           WHERE target_id = ANY($1::uuid[]) ORDER BY target_id FOR UPDATE""",
        sorted(target_ids),
    )
    return {row["target_id"]: Health(row["consecutive_failures"], row["trips"], row["open_until"],
                                     row["failing_since"]) for row in rows}


async def save_health(conn: asyncpg.Connection, states: dict[uuid.UUID, Health]) -> None:
    """Store each target's state; a healthy target has no row."""
    healthy = [t for t, h in states.items() if h == Health()]
    sick = {t: h for t, h in states.items() if h != Health()}
    if healthy:
        await conn.execute("DELETE FROM notifier.target_health WHERE target_id = ANY($1::uuid[])", healthy)
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


async def hold_back(conn: asyncpg.Connection, target_id: uuid.UUID, until: datetime) -> None:
    """The breaker opened: the target's queued deliveries wait until `until`. Rows leased by a worker are
    left to it (it records them itself)."""
    await conn.execute(
        """UPDATE notifier.deliveries SET next_attempt_at = $2
           WHERE target_id = $1 AND status = 'pending' AND leased_by IS NULL AND next_attempt_at < $2""",
        target_id, until,
    )


# --- what the notifier learns from job events

async def record_job_kind(conn: asyncpg.Connection, job_id: uuid.UUID, kind: str) -> None:
    await conn.execute(
        "INSERT INTO notifier.job_kinds (job_id, kind) VALUES ($1, $2) ON CONFLICT (job_id) DO NOTHING",
        job_id, kind,
    )


async def job_kind(conn: asyncpg.Connection, job_id: uuid.UUID) -> str | None:
    return await conn.fetchval("SELECT kind FROM notifier.job_kinds WHERE job_id = $1", job_id)
