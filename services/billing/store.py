"""SQL for the billing schema. Every function runs on the caller's connection and transaction."""

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.billing.metering import Kind
from services.billing.pricing import Prices

SCHEMA = "billing"


@dataclass(frozen=True)
class MeteredJob:
    job_id: uuid.UUID
    tenant_id: uuid.UUID
    price_per_minute: int
    state: str
    started_at: datetime | None
    finished_at: datetime | None


@dataclass(frozen=True)
class Charge:
    id: uuid.UUID
    job_id: uuid.UUID
    minute: int
    kind: Kind
    amount: int
    created_at: datetime


async def insert_metered_job(conn: asyncpg.Connection, *, job_id: uuid.UUID, tenant_id: uuid.UUID,
                             vendor: str, flavor: str, accelerator: str, count: int, prices: Prices,
                             submitted_at: datetime) -> bool:
    """False when the job is already metered (its price stays the one frozen first)."""
    return bool(await conn.fetchval(
        """INSERT INTO billing.metered_jobs (job_id, tenant_id, vendor, flavor, accelerator, count,
               vendor_price_per_hour, price_per_hour, price_per_minute, submitted_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (job_id) DO NOTHING RETURNING true""",
        job_id, tenant_id, vendor, flavor, accelerator, count,
        prices.vendor_per_hour, prices.sell_per_hour, prices.per_minute, submitted_at,
    ))


async def lock_job(conn: asyncpg.Connection, job_id: uuid.UUID) -> tuple[MeteredJob, datetime] | None:
    """The job row locked until the transaction ends, with the database clock (one clock for every replica)."""
    row = await conn.fetchrow(
        """SELECT job_id, tenant_id, price_per_minute, state, started_at, finished_at, now() AS now
           FROM billing.metered_jobs WHERE job_id = $1 FOR UPDATE""",
        job_id,
    )
    if row is None:
        return None
    now = row["now"]
    return MeteredJob(**{k: v for k, v in row.items() if k != "now"}), now


async def mark_running(conn: asyncpg.Connection, job_id: uuid.UUID, started_at: datetime) -> None:
    await conn.execute(
        """UPDATE billing.metered_jobs SET state = 'running', started_at = $2, updated_at = now()
           WHERE job_id = $1""",
        job_id, started_at,
    )


async def mark_finished(conn: asyncpg.Connection, job_id: uuid.UUID, *, status: str,
                        started_at: datetime | None, finished_at: datetime) -> None:
    await conn.execute(
        """UPDATE billing.metered_jobs
           SET state = 'finished', final_status = $2, started_at = $3, finished_at = $4, updated_at = now()
           WHERE job_id = $1""",
        job_id, status, started_at, finished_at,
    )


async def running_job_ids(conn: asyncpg.Connection) -> list[uuid.UUID]:
    rows = await conn.fetch("SELECT job_id FROM billing.metered_jobs WHERE state = 'running' ORDER BY job_id")
    return [row["job_id"] for row in rows]


async def minutes_by_kind(conn: asyncpg.Connection, job_id: uuid.UUID) -> dict[Kind, dict[int, int]]:
    """{kind: {minute: amount}} of everything booked for the job so far."""
    booked: dict[Kind, dict[int, int]] = {Kind.CHARGE: {}, Kind.REFUND: {}}
    for row in await conn.fetch("SELECT minute, kind, amount FROM billing.charges WHERE job_id = $1", job_id):
        booked[Kind(row["kind"])][row["minute"]] = row["amount"]
    return booked


async def insert_charge(conn: asyncpg.Connection, *, charge_id: uuid.UUID, job_id: uuid.UUID,
                        tenant_id: uuid.UUID, minute: int, kind: Kind, amount: int) -> datetime | None:
    """The charge's creation time, or None when (job, minute, kind) is already booked."""
    return await conn.fetchval(
        """INSERT INTO billing.charges (id, job_id, tenant_id, minute, kind, amount)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT DO NOTHING RETURNING created_at""",
        charge_id, job_id, tenant_id, minute, str(kind), amount,
    )


async def post_ledger_txn(conn: asyncpg.Connection, txn_id: uuid.UUID, postings: dict[str, int]) -> None:
    """Write one ledger transaction and move the account balances with it.

    Accounts are touched in name order so concurrent transactions lock them in the same order.
    Balances may go negative for now: enforcing funds (stopping jobs) is a later issue.
    """
    for account, amount in sorted(postings.items()):
        if amount == 0:
            continue
        await conn.execute(
            "INSERT INTO billing.ledger_entries (txn_id, account, amount) VALUES ($1, $2, $3)",
            txn_id, account, amount,
        )
        await conn.execute(
            """INSERT INTO billing.accounts (account, balance) VALUES ($1, $2)
               ON CONFLICT (account) DO UPDATE
               SET balance = billing.accounts.balance + EXCLUDED.balance, updated_at = now()""",
            account, amount,
        )


async def balance(conn: asyncpg.Connection, account: str) -> int:
    return await conn.fetchval("SELECT balance FROM billing.accounts WHERE account = $1", account) or 0


async def usage(conn: asyncpg.Connection, tenant_id: uuid.UUID, *, job_id: uuid.UUID | None,
                after: tuple[uuid.UUID, int, str] | None, limit: int) -> list[Charge]:
    """A page of charges ordered by (job, minute, kind), strictly after the keyset `after`."""
    rows = await conn.fetch(
        """SELECT id, job_id, minute, kind, amount, created_at FROM billing.charges
           WHERE tenant_id = $1 AND ($2::uuid IS NULL OR job_id = $2)
             AND ($3::uuid IS NULL OR (job_id, minute, kind) > ($3::uuid, $4::integer, $5::text))
           ORDER BY job_id, minute, kind LIMIT $6""",
        tenant_id, job_id, *(after or (None, None, None)), limit,
    )
    return [Charge(**{**dict(row), "kind": Kind(row["kind"])}) for row in rows]


async def usage_total(conn: asyncpg.Connection, tenant_id: uuid.UUID, *, job_id: uuid.UUID | None) -> int:
    return await conn.fetchval(
        """SELECT coalesce(sum(amount), 0)::bigint FROM billing.charges
           WHERE tenant_id = $1 AND ($2::uuid IS NULL OR job_id = $2)""",
        tenant_id, job_id,
    )
