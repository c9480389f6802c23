"""SQL for the subscriptions of a topic: created unconfirmed with their link token, confirmed or ended
through that token, listed, deleted (softly), and the confirmed ones a message goes to."""

import uuid
from datetime import datetime

import asyncpg

from services.notifier.store import AlreadyExists, Db

_COLUMNS = "id, topic_id, protocol, endpoint, filter_policy, status, created_at, confirmed_at"


async def create(db: Db, *, subscription_id: uuid.UUID, topic_id: uuid.UUID, tenant_id: uuid.UUID,
                 protocol: str, endpoint: str, filter_policy: dict | None, token: str,
                 signing_secret: str) -> asyncpg.Record:
    try:
        return await db.fetchrow(
            f"""INSERT INTO notifier.subscriptions
                    (id, topic_id, tenant_id, protocol, endpoint, filter_policy, token, signing_secret)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {_COLUMNS}""",
            subscription_id, topic_id, tenant_id, protocol, endpoint, filter_policy, token, signing_secret,
        )
    except asyncpg.UniqueViolationError:
        raise AlreadyExists(endpoint) from None


async def of_topic(db: Db, tenant_id: uuid.UUID, topic_id: uuid.UUID, *, limit: int,
                   after: tuple[datetime, uuid.UUID] | None = None) -> list[asyncpg.Record]:
    """Oldest first, keyset-paginated on (created_at, id): `after` is the last row of the previous page."""
    return await db.fetch(
        f"""SELECT {_COLUMNS} FROM notifier.subscriptions
            WHERE topic_id = $1 AND tenant_id = $2 AND deleted_at IS NULL
              AND ($3::timestamptz IS NULL OR (created_at, id) > ($3, $4))
            ORDER BY created_at, id LIMIT $5""",
        topic_id, tenant_id, *(after or (None, None)), limit,
    )


async def count_live(db: Db, topic_id: uuid.UUID) -> int:
    return await db.fetchval(
        "SELECT count(*) FROM notifier.subscriptions WHERE topic_id = $1 AND deleted_at IS NULL", topic_id)


async def delete(db: Db, tenant_id: uuid.UUID, topic_id: uuid.UUID, subscription_id: uuid.UUID) -> bool:
    """Soft-delete one subscription of the topic. False if the topic has no such subscription."""
    return bool(await db.fetchval(
        """UPDATE notifier.subscriptions SET deleted_at = now()
           WHERE id = $1 AND topic_id = $2 AND tenant_id = $3 AND deleted_at IS NULL RETURNING true""",
        subscription_id, topic_id, tenant_id,
    ))


async def delete_of_topic(db: Db, topic_id: uuid.UUID) -> list[uuid.UUID]:
    """Soft-delete every live subscription of the topic; returns their ids."""
    rows = await db.fetch(
        """UPDATE notifier.subscriptions SET deleted_at = now()
           WHERE topic_id = $1 AND deleted_at IS NULL RETURNING id""",
        topic_id,
    )
    return [row["id"] for row in rows]


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


async def delete_by_token(db: Db, token: str) -> asyncpg.Record | None:
    """Soft-delete the live subscription with this token (its unsubscribe link); None if there is none."""
    return await db.fetchrow(
        """UPDATE notifier.subscriptions s SET deleted_at = now() FROM notifier.topics t
           WHERE s.token = $1 AND s.deleted_at IS NULL AND t.id = s.topic_id
           RETURNING s.id, t.urn AS topic_urn""",
        token,
    )


async def confirmed(db: Db, tenant_id: uuid.UUID, *, event_type: str | None = None,
                    topic_id: uuid.UUID | None = None) -> list[asyncpg.Record]:
    """Confirmed subscriptions of the tenant's live topics that carry `event_type`, or of one topic."""
    return await db.fetch(
        """SELECT s.id, s.protocol, s.filter_policy, s.token, s.signing_secret, t.urn
           FROM notifier.topics t JOIN notifier.subscriptions s ON s.topic_id = t.id
           WHERE t.tenant_id = $1 AND t.deleted_at IS NULL AND s.deleted_at IS NULL AND s.status = 'confirmed'
             AND ($2::text IS NULL OR $2 = ANY(t.event_types)) AND ($3::uuid IS NULL OR t.id = $3)""",
        tenant_id, event_type, topic_id,
    )
