"""Tenants' API keys: made, looked up by hash (authentication), listed, used, revoked."""

import uuid
from datetime import datetime

import asyncpg


async def insert_key(conn, tenant_id: uuid.UUID, name: str, key_hash: str, prefix: str,
                     expires_at: datetime | None) -> asyncpg.Record:
    return await conn.fetchrow(
        """INSERT INTO gateway.api_keys (id, tenant_id, name, key_hash, prefix, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING *""",
        uuid.uuid4(), tenant_id, name, key_hash, prefix, expires_at,
    )


async def authenticate(pool_or_conn, key_hash: str) -> asyncpg.Record | None:
    """The key (not revoked) with this hash and its tenant's status: one lookup on the unique index, no cache,
    so a revocation or a suspension holds on every replica from the next request on."""
    return await pool_or_conn.fetchrow(
        """SELECT k.id, k.tenant_id, k.expires_at, k.last_used_at, t.status AS tenant_status
           FROM gateway.api_keys k JOIN gateway.tenants t ON t.id = k.tenant_id
           WHERE k.key_hash = $1 AND k.revoked_at IS NULL""",
        key_hash,
    )


async def authenticate_id(pool_or_conn, key_id: uuid.UUID) -> asyncpg.Record | None:
    """The same as `authenticate`, by the key's id: the console's session names the key it was opened with."""
    return await pool_or_conn.fetchrow(
        """SELECT k.id, k.tenant_id, k.expires_at, k.last_used_at, t.status AS tenant_status
           FROM gateway.api_keys k JOIN gateway.tenants t ON t.id = k.tenant_id
           WHERE k.id = $1 AND k.revoked_at IS NULL""",
        key_id,
    )


async def touch(pool_or_conn, key_id: uuid.UUID) -> None:
    """Record a use. The condition makes concurrent requests (and replicas) write it at most once a minute."""
    await pool_or_conn.execute(
        """UPDATE gateway.api_keys SET last_used_at = now()
           WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')""",
        key_id,
    )


async def list_keys(conn, tenant_id: uuid.UUID, limit: int,
                    after: tuple[datetime, uuid.UUID] | None) -> list[asyncpg.Record]:
    """The tenant's keys not revoked (expired ones too, until they are deleted), newest first, keyset-paged."""
    return await conn.fetch(
        """SELECT * FROM gateway.api_keys
           WHERE tenant_id = $1 AND revoked_at IS NULL
             AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3))
           ORDER BY created_at DESC, id DESC LIMIT $4""",
        tenant_id, after[0] if after else None, after[1] if after else None, limit,
    )


async def key_for_update(conn, tenant_id: uuid.UUID, key_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM gateway.api_keys WHERE id = $1 AND tenant_id = $2 AND revoked_at IS NULL FOR UPDATE",
        key_id, tenant_id,
    )


async def count_active(conn, tenant_id: uuid.UUID) -> int:
    return await conn.fetchval(
        """SELECT count(*) FROM gateway.api_keys
           WHERE tenant_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())""",
        tenant_id,
    )


async def revoke(conn, key_id: uuid.UUID) -> None:
    await conn.execute("UPDATE gateway.api_keys SET revoked_at = now() WHERE id = $1", key_id)
