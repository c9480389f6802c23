"""Inbox: a consumer records each event id in the same transaction as the event's effect."""

import uuid

import asyncpg


async def claim(conn: asyncpg.Connection, schema: str, consumer: str, event_id: uuid.UUID) -> bool:
    """True the first time; False when this consumer already applied the event (a redelivery)."""
    inserted = await conn.fetchval(
        f"""INSERT INTO {schema}.inbox (consumer, event_id) VALUES ($1, $2)
            ON CONFLICT DO NOTHING RETURNING true""",
        consumer, event_id,
    )
    return bool(inserted)


async def claim_many(conn: asyncpg.Connection, schema: str, consumer: str, event_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """The ids among `event_ids` this consumer had not applied yet, now claimed (one statement)."""
    rows = await conn.fetch(
        f"""INSERT INTO {schema}.inbox (consumer, event_id) SELECT $1, unnest($2::uuid[])
            ON CONFLICT DO NOTHING RETURNING event_id""",
        consumer, event_ids,
    )
    return {row["event_id"] for row in rows}
