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
