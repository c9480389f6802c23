"""Tenant funds: per tenant, the last top-up the thresholds measure against, the threshold level
announced so far and when its funds ran out. The rules are thresholds.py's; locking is store/locks.py's."""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True)
class FundsState:
    tenant_id: uuid.UUID
    last_topup: int
    level: int
    exhausted_at: datetime | None


COLUMNS = "tenant_id, last_topup, level, exhausted_at"  # FundsState's fields, in order


async def open_funds(conn: asyncpg.Connection, tenant_ids: Sequence[uuid.UUID]) -> None:
    """Create the rows not there yet (never topped up, level 0)."""
    await conn.execute(
        "INSERT INTO billing.tenant_funds (tenant_id) SELECT unnest($1::uuid[]) ON CONFLICT DO NOTHING", tenant_ids)


async def save(conn: asyncpg.Connection, states: Iterable[FundsState]) -> None:
    states = list(states)
    if states:
        await conn.execute(
            """UPDATE billing.tenant_funds f SET last_topup = s.last_topup, level = s.level,
                   exhausted_at = s.exhausted_at, updated_at = now()
               FROM unnest($1::uuid[], $2::bigint[], $3::smallint[], $4::timestamptz[])
                    AS s(tenant_id, last_topup, level, exhausted_at)
               WHERE f.tenant_id = s.tenant_id""",
            [s.tenant_id for s in states], [s.last_topup for s in states], [s.level for s in states],
            [s.exhausted_at for s in states])
