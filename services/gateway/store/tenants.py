"""Tenants: made, listed, suspended and resumed, their limits and their caps' overrides. A change the scheduler
enforces (limits, status) is enqueued for it in the same transaction; the caps need no event: the gateway reads
them where it checks them or passes them on (services/gateway/tenant_caps.py)."""

import uuid
from datetime import datetime

import asyncpg

from contracts.events import TenantLimitsSet, TenantStatusSet
from contracts.topics import JOBS_COMMANDS
from services.common.outbox import enqueue
from services.gateway.store import SCHEMA, SOURCE


async def create_tenant(conn: asyncpg.Connection, name: str) -> uuid.UUID:
    tenant_id = uuid.uuid4()
    await conn.execute("INSERT INTO gateway.tenants (id, name) VALUES ($1, $2)", tenant_id, name)
    return tenant_id


async def tenant_exists(conn: asyncpg.Connection, tenant_id: uuid.UUID) -> bool:
    return bool(await conn.fetchval("SELECT 1 FROM gateway.tenants WHERE id = $1", tenant_id))


async def tenant(conn: asyncpg.Connection, tenant_id: uuid.UUID, *, for_update: bool = False) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM gateway.tenants WHERE id = $1" + (" FOR UPDATE" if for_update else ""),
                               tenant_id)


async def list_tenants(conn: asyncpg.Connection, limit: int,
                       after: tuple[datetime, uuid.UUID] | None) -> list[asyncpg.Record]:
    """Newest first, keyset-paginated on (created_at, id)."""
    return await conn.fetch(
        """SELECT * FROM gateway.tenants WHERE ($1::timestamptz IS NULL OR (created_at, id) < ($1, $2))
           ORDER BY created_at DESC, id DESC LIMIT $3""",
        after[0] if after else None, after[1] if after else None, limit,
    )


async def set_limits(conn: asyncpg.Connection, event: TenantLimitsSet) -> bool:
    """Store the tenant's limits and send them to the scheduler, which enforces them. False: no such tenant."""
    updated = await conn.fetchval(
        """UPDATE gateway.tenants SET max_concurrent_jobs = $2, max_concurrent_accelerators = $3
           WHERE id = $1 RETURNING true""",
        event.tenant_id, event.max_concurrent_jobs, event.max_concurrent_accelerators,
    )
    if updated:
        await enqueue(conn, SCHEMA, JOBS_COMMANDS, event, source=SOURCE)
    return bool(updated)


async def set_caps(conn: asyncpg.Connection, tenant_id: uuid.UUID,
                   overrides: dict[str, int | None]) -> asyncpg.Record | None:
    """Store the tenant's overrides, by column (`TenantCap.column`; None: the default holds). The tenant as it is
    now, or None: no such tenant."""
    columns = list(overrides)
    assignments = ", ".join(f"{column} = ${i}" for i, column in enumerate(columns, start=2))
    return await conn.fetchrow(f"UPDATE gateway.tenants SET {assignments} WHERE id = $1 RETURNING *",
                               tenant_id, *(overrides[column] for column in columns))


async def set_status(conn: asyncpg.Connection, event: TenantStatusSet) -> asyncpg.Record | None:
    """Suspend or resume the tenant and tell the scheduler, which holds a suspended tenant's queued jobs.
    The tenant as it is now, or None: no such tenant. Setting the status it has changes nothing and sends
    nothing."""
    changed = await conn.fetchrow(
        """UPDATE gateway.tenants SET status = $2, status_changed_at = $3 WHERE id = $1 AND status <> $2
           RETURNING *""",
        event.tenant_id, event.status, event.set_at,
    )
    if changed is None:
        return await tenant(conn, event.tenant_id)
    await enqueue(conn, SCHEMA, JOBS_COMMANDS, event, source=SOURCE)
    return changed
