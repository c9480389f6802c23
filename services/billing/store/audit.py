"""The audit log: who did what to which tenant, for every operator and money-moving action."""

import uuid

import asyncpg


async def record(conn: asyncpg.Connection, *, actor: str, action: str, tenant_id: uuid.UUID | None,
                 subject: str | None, details: dict) -> None:
    await conn.execute(
        "INSERT INTO billing.audit_log (actor, action, tenant_id, subject, details) VALUES ($1, $2, $3, $4, $5)",
        actor, action, tenant_id, subject, details)


async def trail(conn: asyncpg.Connection, tenant_id: uuid.UUID | None, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT id, actor, action, tenant_id, subject, details, created_at FROM billing.audit_log
           WHERE $1::uuid IS NULL OR tenant_id = $1 ORDER BY id DESC LIMIT $2""", tenant_id, limit)
