"""Row locks, in the one order every writer takes them, so that concurrent raters, true-ups, top-ups,
purchases, adjustments and voids cannot deadlock:

    1. metered jobs      by job_id       lock_jobs, lock_job
    2. tenant accounts   by name         lock_balances  (a tenant's arrears:<id> and tenant:<id>)
    3. packages          by id           lock_grants
    4. tenant funds      by tenant_id    lock_funds
    (2-4 for a set of tenants at once: lock_tenants)

A unit of work may skip a step, and may lock more rows of a step it already holds, but never goes
back to an earlier step once it holds a later one. The shared accounts a posting moves (cash,
revenue, packages, adjustments) are locked by store.accounts.post as the very last rows. Before all
of these, an Idempotency-Key's advisory lock (store.idempotency.claim) is taken first; the meter and
the housekeeping claim their rows with SKIP LOCKED and never wait.

Every lock here lasts until the caller's unit of work ends.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.billing import ledger
from services.billing.packages import Grant
from services.billing.store.accounts import open_accounts
from services.billing.store.funds import COLUMNS as FUNDS_COLUMNS
from services.billing.store.funds import FundsState, open_funds
from services.billing.store.jobs import COLUMNS as JOB_COLUMNS
from services.billing.store.jobs import MeteredJob
from services.billing.store.packages import GRANT_COLUMNS, USABLE, grants_by_tenant


# --- 1. metered jobs ------------------------------------------------------------------------------

async def lock_jobs(conn: asyncpg.Connection, job_ids: Iterable[uuid.UUID]) -> tuple[dict[uuid.UUID, MeteredJob], datetime]:
    """The jobs' rows (those that exist), with the database clock: one clock for every replica."""
    rows = await conn.fetch(
        f"""SELECT {JOB_COLUMNS}, now() FROM billing.metered_jobs WHERE job_id = ANY($1::uuid[])
            ORDER BY job_id FOR UPDATE""",
        sorted(set(job_ids)),
    )
    # The clock comes with the rows (one round trip less per batch); asked alone only when there are none.
    now = rows[0][-1] if rows else await conn.fetchval("SELECT now()")
    return {row[0]: MeteredJob(*row[:-1]) for row in rows}, now  # JOB_COLUMNS lists MeteredJob's fields in order


async def lock_job(conn: asyncpg.Connection, job_id: uuid.UUID) -> tuple[MeteredJob, datetime] | None:
    jobs, now = await lock_jobs(conn, [job_id])
    return (jobs[job_id], now) if job_id in jobs else None


# --- 2. tenant accounts ---------------------------------------------------------------------------

async def lock_balances(conn: asyncpg.Connection, accounts: Iterable[str]) -> dict[str, int]:
    """Balances of `accounts` (0 for one never posted to: its row is created)."""
    names = sorted(set(accounts))
    query = "SELECT account, balance FROM billing.accounts WHERE account = ANY($1::text[]) ORDER BY account FOR UPDATE"
    rows = await conn.fetch(query, names)
    if len(rows) < len(names):  # creating them first every time would cost a round trip per batch
        await open_accounts(conn, names)
        rows = await conn.fetch(query, names)
    return {row["account"]: row["balance"] for row in rows}


# --- 3. packages ----------------------------------------------------------------------------------

async def lock_grants(conn: asyncpg.Connection, tenant_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[Grant]]:
    """Each tenant's usable packages (a tenant with none is absent from the answer)."""
    rows = await conn.fetch(
        f"""SELECT tenant_id, {GRANT_COLUMNS} FROM billing.packages
            WHERE tenant_id = ANY($1::uuid[]) AND {USABLE}
            ORDER BY id FOR UPDATE""",
        sorted(set(tenant_ids)))
    return grants_by_tenant(rows)


# --- 4. tenant funds ------------------------------------------------------------------------------

async def lock_funds(conn: asyncpg.Connection, tenant_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, FundsState]:
    """Every tenant's funds state (its row is created if missing)."""
    ids = sorted(set(tenant_ids))
    query = f"""SELECT {FUNDS_COLUMNS} FROM billing.tenant_funds
                WHERE tenant_id = ANY($1::uuid[]) ORDER BY tenant_id FOR UPDATE"""
    rows = await conn.fetch(query, ids)
    if len(rows) < len(ids):  # as lock_balances: create the missing rows only when some are missing
        await open_funds(conn, ids)
        rows = await conn.fetch(query, ids)
    return {row[0]: FundsState(*row) for row in rows}  # FUNDS_COLUMNS are FundsState's fields, in order


# --- 2-4 at once ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class TenantLocks:
    balances: dict[str, int]  # both accounts of every tenant
    grants: dict[uuid.UUID, list[Grant]]  # usable packages; a tenant with none is absent
    funds: dict[uuid.UUID, FundsState]


async def lock_tenants(conn: asyncpg.Connection, tenant_ids: Iterable[uuid.UUID]) -> TenantLocks:
    """Steps 2, 3 and 4 for the tenants: what paying for their minutes, or re-arming their
    thresholds, reads and changes."""
    tenant_ids = sorted(set(tenant_ids))
    balances = await lock_balances(conn, [account for t in tenant_ids for account in ledger.accounts_of(t)])
    grants = await lock_grants(conn, tenant_ids)
    funds = await lock_funds(conn, tenant_ids)
    return TenantLocks(balances, grants, funds)
