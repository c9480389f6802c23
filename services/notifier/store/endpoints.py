"""SQL for a tenant's webhook endpoints: created, listed, read with their health, deleted (softly),
their secret rotated, disabled and enabled again."""

import uuid
from datetime import datetime

import asyncpg

from services.notifier.store import Db

_COLUMNS = "id, url, event_types, created_at, disabled_at, disabled_reason, previous_secret_expires_at"


async def create(db: Db, *, endpoint_id: uuid.UUID, tenant_id: uuid.UUID, url: str,
                 event_types: list[str], secret: str) -> asyncpg.Record:
    return await db.fetchrow(
        f"""INSERT INTO notifier.endpoints (id, tenant_id, url, event_types, secret)
            VALUES ($1, $2, $3, $4, $5) RETURNING {_COLUMNS}, secret""",
        endpoint_id, tenant_id, url, event_types, secret,
    )


async def of_tenant(db: Db, tenant_id: uuid.UUID, *, limit: int,
                    after: tuple[datetime, uuid.UUID] | None = None) -> list[asyncpg.Record]:
    """Oldest first, keyset-paginated on (created_at, id): `after` is the last row of the previous page."""
    return await db.fetch(
        f"""SELECT {_COLUMNS} FROM notifier.endpoints
            WHERE tenant_id = $1 AND deleted_at IS NULL
              AND ($2::timestamptz IS NULL OR (created_at, id) > ($2, $3))
            ORDER BY created_at, id LIMIT $4""",
        tenant_id, *(after or (None, None)), limit,
    )


async def count_live(db: Db, tenant_id: uuid.UUID) -> int:
    return await db.fetchval(
        "SELECT count(*) FROM notifier.endpoints WHERE tenant_id = $1 AND deleted_at IS NULL", tenant_id)


async def get(db: Db, tenant_id: uuid.UUID, endpoint_id: uuid.UUID) -> asyncpg.Record | None:
    return await db.fetchrow(
        f"""SELECT {_COLUMNS}, h.failing_since, h.open_until AS breaker_open_until
            FROM notifier.endpoints e LEFT JOIN notifier.target_health h ON h.target_id = e.id
            WHERE e.id = $1 AND e.tenant_id = $2 AND e.deleted_at IS NULL""",
        endpoint_id, tenant_id,
    )


async def delete(db: Db, tenant_id: uuid.UUID, endpoint_id: uuid.UUID) -> bool:
    """Soft-delete the endpoint. False if the tenant has no such endpoint."""
    return bool(await db.fetchval(
        """UPDATE notifier.endpoints SET deleted_at = now()
           WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL RETURNING true""",
        endpoint_id, tenant_id,
    ))


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


async def enable(db: Db, tenant_id: uuid.UUID, endpoint_id: uuid.UUID) -> bool:
    """Clear the endpoint's disabling. False if the tenant has no such endpoint."""
    return bool(await db.fetchval(
        """UPDATE notifier.endpoints SET disabled_at = NULL, disabled_reason = NULL
           WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL RETURNING true""",
        endpoint_id, tenant_id,
    ))


async def disable(db: Db, endpoint_id: uuid.UUID, reason: str, now: datetime) -> asyncpg.Record | None:
    """Disable a live, enabled endpoint; None if it is deleted or already disabled."""
    return await db.fetchrow(
        """UPDATE notifier.endpoints SET disabled_at = $2, disabled_reason = $3
           WHERE id = $1 AND deleted_at IS NULL AND disabled_at IS NULL
           RETURNING id, tenant_id, url, disabled_at""",
        endpoint_id, now, reason,
    )


async def subscribed(db: Db, tenant_id: uuid.UUID, event_type: str) -> list[asyncpg.Record]:
    """The tenant's live endpoints subscribed to `event_type`, enabled or not."""
    return await db.fetch(
        """SELECT id, disabled_at IS NOT NULL AS disabled FROM notifier.endpoints
           WHERE tenant_id = $1 AND deleted_at IS NULL AND $2 = ANY(event_types)""",
        tenant_id, event_type,
    )
