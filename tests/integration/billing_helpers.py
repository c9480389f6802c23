"""Shared by the billing integration tests: job events, the meter + rater driven by hand, invariants."""

import json
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg

from contracts.billing import BILLING_USAGE, UsageMinute
from contracts.events import Envelope, JobStateChanged, JobSubmitted
from contracts.status import JobStatus
from services.billing import commands, handlers, ledger, store, workers
from services.billing.policy import Policy
from services.common.settings import get_settings

MARKUP = Decimal("1.20")
POLICY = Policy()
VENDOR_PER_HOUR = 30_000_000  # sells at 36 CNY/h = 0.60 CNY a minute
PER_MINUTE = 600_000


def submitted(tenant_id: uuid.UUID, job_id: uuid.UUID, *, accelerator: str = "ascend-910b", count: int = 1,
              vendor_price: int = VENDOR_PER_HOUR) -> Envelope:
    return Envelope(source="test", data=JobSubmitted(
        job_id=job_id, tenant_id=tenant_id, vendor="modelarts", vendor_job_id=f"v-{job_id}", flavor="f1",
        accelerator=accelerator, count=count, vendor_price_per_hour=vendor_price, raw_status="Pending",
        submitted_at=datetime.now(UTC),
    ))


def changed(tenant_id: uuid.UUID, job_id: uuid.UUID, to: JobStatus, sequence: int, *,
            started_at: datetime | None = None, finished_at: datetime | None = None) -> Envelope:
    return Envelope(source="test", data=JobStateChanged(
        job_id=job_id, tenant_id=tenant_id, vendor="modelarts", vendor_job_id=f"v-{job_id}",
        from_status=JobStatus.QUEUED, to_status=to, raw_status=str(to), vendor_time=None,
        observed_at=datetime.now(UTC), sequence=sequence, started_at=started_at, finished_at=finished_at,
    ))


async def deliver(pool: asyncpg.Pool, envelope: Envelope, policy: Policy = POLICY) -> None:
    await handlers.handle_job_events(pool, MARKUP, policy, [envelope])


async def running_job(pool: asyncpg.Pool, started_ago_s: float, *, tenant_id: uuid.UUID | None = None,
                      credit: int = 0, policy: Policy = POLICY, **job) -> tuple[uuid.UUID, uuid.UUID, datetime]:
    tenant_id, job_id = tenant_id or uuid.uuid4(), uuid.uuid4()
    if credit:
        await commands.credit(pool, tenant_id, credit, policy)
    started_at = datetime.now(UTC) - timedelta(seconds=started_ago_s)
    await deliver(pool, submitted(tenant_id, job_id, **job), policy)
    await deliver(pool, changed(tenant_id, job_id, JobStatus.RUNNING, 1, started_at=started_at), policy)
    return tenant_id, job_id, started_at


async def usage_minutes(pool: asyncpg.Pool, job_id: uuid.UUID | None = None) -> list[UsageMinute]:
    """Every UsageMinute the meter ever announced (for one job): what Kafka would deliver."""
    rows = await pool.fetch("SELECT payload FROM billing.outbox WHERE topic = $1 ORDER BY id",
                            get_settings().topic(BILLING_USAGE))
    minutes = [UsageMinute.model_validate_json(r["payload"]) for r in rows]
    return [m for m in minutes if job_id is None or m.job_id == job_id]


async def meter_and_rate(pool: asyncpg.Pool, job_id: uuid.UUID, policy: Policy = POLICY) -> int:
    """One meter pass, then the rater over everything announced for the job (repeats included)."""
    await workers.meter(pool)
    return await handlers.rate_usage(pool, await usage_minutes(pool, job_id), policy)


async def booked(pool: asyncpg.Pool, job_id: uuid.UUID) -> list[tuple[int, str, int]]:
    rows = await pool.fetch("SELECT minute, kind, amount FROM billing.charges WHERE job_id = $1 "
                            "ORDER BY minute, kind", job_id)
    return [tuple(row) for row in rows]


async def tenant_balance(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> int:
    async with pool.acquire() as conn:
        return await store.accounts.balance(conn, ledger.tenant_account(tenant_id))


async def events_of(pool: asyncpg.Pool, ce_type: str, key: uuid.UUID) -> list[dict]:
    rows = await pool.fetch("SELECT payload FROM billing.outbox WHERE headers->>'ce_type' = $1 AND key = $2 ORDER BY id",
                            ce_type, str(key))
    return [json.loads(r["payload"]) for r in rows]


async def assert_invariants(pool: asyncpg.Pool) -> None:
    """Double entry, balances = entries, package remaining = granted - drawn, one charge per (job, minute)."""
    assert await pool.fetch("SELECT txn_id FROM billing.ledger_entries GROUP BY txn_id HAVING sum(amount) <> 0") == []
    assert await pool.fetchval("SELECT coalesce(sum(amount), 0) FROM billing.ledger_entries") == 0
    assert await pool.fetch(
        """SELECT a.account FROM billing.accounts a
           LEFT JOIN (SELECT account, sum(amount) AS s FROM billing.ledger_entries GROUP BY account) l USING (account)
           WHERE a.balance <> coalesce(l.s, 0)""") == []
    assert await pool.fetch(
        """SELECT p.id FROM billing.packages p
           LEFT JOIN (SELECT package_id, sum(quantity) AS q FROM billing.package_draws GROUP BY package_id) d
             ON d.package_id = p.id
           WHERE p.remaining <> p.granted - coalesce(d.q, 0)""") == []
    # What the charges took from balances and arrears is what the usage ledger entries moved.
    assert await pool.fetch(
        """SELECT c.txn_id FROM billing.charges c
           GROUP BY c.txn_id
           HAVING sum(c.amount + c.shortfall) <> coalesce((SELECT sum(e.amount) FROM billing.ledger_entries e
                                                          WHERE e.txn_id = c.txn_id AND e.account = 'revenue'), 0)""") == []
    assert await pool.fetch(
        "SELECT job_id, minute, kind FROM billing.charges GROUP BY 1, 2, 3 HAVING count(*) > 1") == []
