"""The audit log: who did what to which resource, with what outcome (`gateway.audit_log`)."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg


@dataclass(frozen=True)
class Entry:
    actor: str  # "operator", or the id of the tenant's API key
    action: str
    method: str
    target: str
    tenant_id: uuid.UUID | None
    status: int
    details: dict[str, Any] = field(default_factory=dict)


async def insert(pool_or_conn, entry: Entry) -> None:
    await pool_or_conn.execute(
        """INSERT INTO gateway.audit_log (actor, action, method, target, tenant_id, status, details)
           VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        entry.actor, entry.action, entry.method, entry.target, entry.tenant_id, entry.status, entry.details,
    )


async def page(pool_or_conn, *, limit: int, before_id: int | None, tenant_id: uuid.UUID | None,
               action: str | None, from_: datetime | None, to: datetime | None) -> list[asyncpg.Record]:
    """Newest first, keyset-paged on the id (the order records were written in)."""
    return await pool_or_conn.fetch(
        """SELECT * FROM gateway.audit_log
           WHERE ($1::bigint IS NULL OR id < $1) AND ($2::uuid IS NULL OR tenant_id = $2)
             AND ($3::text IS NULL OR action = $3) AND ($4::timestamptz IS NULL OR at >= $4)
             AND ($5::timestamptz IS NULL OR at < $5)
           ORDER BY id DESC LIMIT $6""",
        before_id, tenant_id, action, from_, to, limit,
    )
