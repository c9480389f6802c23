"""SQL for SMN-style topics and their subscriptions."""

import uuid

import asyncpg

from services.notifier.store import Db, cancel_pending

_TOPIC_COLUMNS = "id, name, urn, event_types, created_at"
_SUBSCRIPTION_COLUMNS = "id, topic_id, protocol, endpoint, filter_policy, status, created_at, confirmed_at"


class AlreadyExists(Exception):
    pass


async def create_topic(db: Db, *, topic_id: uuid.UUID, tenant_id: uuid.UUID, name: str, urn: str,
                       event_types: list[str]) -> asyncpg.Record:
    try:
        return await db.fetchrow(
            f"""INSERT INTO notifier.topics (id, tenant_id, name, urn, event_types) VALUES ($1, $2, $3, $4, $5)
                RETURNING {_TOPIC_COLUMNS}""",
            topic_id, tenant_id, name, urn, event_types,
        )
    except asyncpg.UniqueViolationError:
        raise AlreadyExists(name) from None


async def list_topics(db: Db, tenant_id: uuid.UUID) -> list[asyncpg.Record]:
    return await db.fetch(
        f"""SELECT {_TOPIC_COLUMNS} FROM notifier.topics WHERE tenant_id = $1 AND deleted_at IS NULL
            ORDER BY created_at, id""",
        tenant_id,
    )


async def get_topic(db: Db, tenant_id: uuid.UUID, topic_id: uuid.UUID) -> asyncpg.Record | None:
    return await db.fetchrow(
        f"""SELECT {_TOPIC_COLUMNS} FROM notifier.topics WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL""",
        topic_id, tenant_id,
    )


async def delete_topic(pool: asyncpg.Pool, tenant_id: uuid.UUID, topic_id: uuid.UUID) -> bool:
    """Delete the topic with its subscriptions, cancelling what they had queued."""
    async with pool.acquire() as conn, conn.transaction():
        if not await conn.fetchval(
                """UPDATE notifier.topics SET deleted_at = now()
                   WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL RETURNING true""",
                topic_id, tenant_id):
            return False
        for subscription_id in await conn.fetch(
                """UPDATE notifier.subscriptions SET deleted_at = now()
                   WHERE topic_id = $1 AND deleted_at IS NULL RETURNING id""", topic_id):
            await cancel_pending(conn, subscription_id["id"], "topic deleted")
        return True


async def create_subscription(conn: asyncpg.Connection, *, subscription_id: uuid.UUID, topic_id: uuid.UUID,
                              tenant_id: uuid.UUID, protocol: str, endpoint: str, filter_policy: dict | None,
                              token: str, signing_secret: str) -> asyncpg.Record:
    try:
        return await conn.fetchrow(
            f"""INSERT INTO notifier.subscriptions
                    (id, topic_id, tenant_id, protocol, endpoint, filter_policy, token, signing_secret)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {_SUBSCRIPTION_COLUMNS}""",
            subscription_id, topic_id, tenant_id, protocol, endpoint, filter_policy, token, signing_secret,
        )
    except asyncpg.UniqueViolationError:
        raise AlreadyExists(endpoint) from None


async def list_subscriptions(db: Db, tenant_id: uuid.UUID, topic_id: uuid.UUID) -> list[asyncpg.Record]:
    return await db.fetch(
        f"""SELECT {_SUBSCRIPTION_COLUMNS} FROM notifier.subscriptions
            WHERE topic_id = $1 AND tenant_id = $2 AND deleted_at IS NULL ORDER BY created_at, id""",
        topic_id, tenant_id,
    )


async def delete_subscription(pool: asyncpg.Pool, tenant_id: uuid.UUID, topic_id: uuid.UUID,
                              subscription_id: uuid.UUID) -> bool:
    async with pool.acquire() as conn, conn.transaction():
        deleted = await conn.fetchval(
            """UPDATE notifier.subscriptions SET deleted_at = now()
               WHERE id = $1 AND topic_id = $2 AND tenant_id = $3 AND deleted_at IS NULL RETURNING true""",
            subscription_id, topic_id, tenant_id,
        )
        if deleted:
            await cancel_pending(conn, subscription_id, "unsubscribed")
        return bool(deleted)


async def confirm(db: Db, token: str) -> asyncpg.Record | None:
    """Confirm the live subscription with this token (again is fine); None if there is none."""
    return await db.fetchrow(
        """UPDATE notifier.subscriptions s
            SET status = 'confirmed', confirmed_at = coalesce(s.confirmed_at, now())
            FROM notifier.topics t
            WHERE s.token = $1 AND s.deleted_at IS NULL AND t.id = s.topic_id
            RETURNING s.id, s.status, t.urn AS topic_urn""",
        token,
    )


async def unsubscribe(pool: asyncpg.Pool, token: str) -> asyncpg.Record | None:
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(
            """UPDATE notifier.subscriptions s SET deleted_at = now() FROM notifier.topics t
               WHERE s.token = $1 AND s.deleted_at IS NULL AND t.id = s.topic_id
               RETURNING s.id, t.urn AS topic_urn""",
            token,
        )
        if row:
            await cancel_pending(conn, row["id"], "unsubscribed")
        return row


async def confirmed_subscriptions(conn: asyncpg.Connection, tenant_id: uuid.UUID, *, event_type: str | None = None,
                                  topic_id: uuid.UUID | None = None) -> list[asyncpg.Record]:
    """Confirmed subscriptions of the tenant's live topics that carry `event_type`, or of one topic."""
    return await conn.fetch(
        """SELECT s.id, s.protocol, s.filter_policy, s.token, s.signing_secret, t.urn
           FROM notifier.topics t JOIN notifier.subscriptions s ON s.topic_id = t.id
           WHERE t.tenant_id = $1 AND t.deleted_at IS NULL AND s.deleted_at IS NULL AND s.status = 'confirmed'
             AND ($2::text IS NULL OR $2 = ANY(t.event_types)) AND ($3::uuid IS NULL OR t.id = $3)""",
        tenant_id, event_type, topic_id,
    )
