"""Tenants and their limits."""

import uuid

import asyncpg

from contracts.events import TenantLimitsSet
from contracts.topics import JOBS_COMMANDS
from services.common.outbox import enqueue
from services.gateway.store import SCHEMA, SOURCE


async def create_tenant(conn: asyncpg.Connection, name: str, api_key_hash: str) -> uuid.UUID:
    tenant_id = uuid.uuid4()
    await conn.execute(
        "INSERT INTO gateway.tenants (id, name, api_key_hash) VALUES ($1, $2, $3)", tenant_id, name, api_key_hash
    )
    return tenant_id


async def tenant_exists(conn: asyncpg.Connection, tenant_id: uuid.UUID) -> bool:
    return bool(await conn.fetchval("SELECT 1 FROM gateway.tenants WHERE id = $1", tenant_id))


async def tenant(conn: asyncpg.Connection, tenant_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM gateway.tenants WHERE id = $1", tenant_id)


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
