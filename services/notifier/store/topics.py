"""SQL for a tenant's SMN-style topics: created under a unique name, listed, read, deleted (softly)."""

import uuid
from datetime import datetime

import asyncpg

from services.notifier.store import AlreadyExists, Db

_COLUMNS = "id, name, urn, event_types, created_at"


async def create(db: Db, *, topic_id: uuid.UUID, tenant_id: uuid.UUID, name: str, urn: str,
                 event_types: list[str]) -> asyncpg.Record:
    try:
        return await db.fetchrow(
            f"""INSERT INTO notifier.topics (id, tenant_id, name, urn, event_types) VALUES ($1, $2, $3, $4, $5)
                RETURNING {_COLUMNS}""",
            topic_id, tenant_id, name, urn, event_types,
        )
    except asyncpg.UniqueViolationError:
        raise AlreadyExists(name) from None


async def of_tenant(db: Db, tenant_id: uuid.UUID, *, limit: int,
                    after: tuple[datetime, uuid.UUID] | None = None) -> list[asyncpg.Record]:
    """Oldest first, keyset-paginated on (created_at, id): `after` is the last row of the previous page."""
    return await db.fetch(
        f"""SELECT {_COLUMNS} FROM notifier.topics WHERE tenant_id = $1 AND deleted_at IS NULL
              AND ($2::timestamptz IS NULL OR (created_at, id) > ($2, $3))
            ORDER BY created_at, id LIMIT $4""",
        tenant_id, *(after or (None, None)), limit,
    )


async def count_live(db: Db, tenant_id: uuid.UUID) -> int:
    return await db.fetchval(
        "SELECT count(*) FROM notifier.topics WHERE tenant_id = $1 AND deleted_at IS NULL", tenant_id)


async def get(db: Db, tenant_id: uuid.UUID, topic_id: uuid.UUID) -> asyncpg.Record | None:
    return await db.fetchrow(
        f"""SELECT {_COLUMNS} FROM notifier.topics WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL""",
        topic_id, tenant_id,
    )


async def delete(db: Db, tenant_id: uuid.UUID, topic_id: uuid.UUID) -> bool:
    """Soft-delete the topic (its subscriptions are the caller's to delete). False if the tenant has none."""
    return bool(await db.fetchval(
        """UPDATE notifier.topics SET deleted_at = now()
           WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL RETURNING true""",
        topic_id, tenant_id,
    ))
