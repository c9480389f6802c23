"""What billing does with each job event, the metering pass, and credits. Transactions start here."""

import asyncio
import uuid
from decimal import Decimal

import asyncpg

from contracts.events import Envelope, JobStateChanged, JobSubmitted, UsageCharged
from contracts.status import JobStatus
from contracts.topics import BILLING_EVENTS
from services.billing import ledger, metering, store
from services.billing.metering import Kind
from services.billing.pricing import prices_for
from services.billing.store import SCHEMA, MeteredJob
from services.common import outbox
from services.common.consumer import apply_once
from services.common.logs import log
from services.common.runtime import Runtime

CONSUMER = "billing"
SOURCE = "switchyard/billing"


async def handle_job_event(pool: asyncpg.Pool, markup: Decimal, envelope: Envelope) -> None:
    event = envelope.data
    if isinstance(event, JobSubmitted):
        await apply_once(pool, SCHEMA, CONSUMER, envelope, lambda conn: record_submission(conn, event, markup))
    elif isinstance(event, JobStateChanged):
        await apply_once(pool, SCHEMA, CONSUMER, envelope, lambda conn: apply_state_change(conn, event))
    # Other job events (rejections) cost nothing.


async def record_submission(conn: asyncpg.Connection, event: JobSubmitted, markup: Decimal) -> None:
    await store.insert_metered_job(
        conn, job_id=event.job_id, tenant_id=event.tenant_id, vendor=event.vendor, flavor=event.flavor,
        accelerator=event.accelerator, count=event.count,
        prices=prices_for(event.vendor_price_per_hour, markup), submitted_at=event.submitted_at,
    )


async def apply_state_change(conn: asyncpg.Connection, event: JobStateChanged) -> None:
    locked = await store.lock_job(conn, event.job_id)
    if locked is None:
        # A job's events share a partition, so its JobSubmitted came first: an unknown job means that
        # submission never reached us readable. Without the frozen price there is nothing to bill, and
        # a priceless placeholder row would only hide the gap; log it for an operator and move on.
        log.error("billing.state_change_for_unknown_job", job_id=str(event.job_id),
                  tenant_id=str(event.tenant_id), to_status=event.to_status)
        return
    job, _ = locked
    if job.state == "finished":
        return  # the first terminal status settled the job
    vendor_or_observed = event.vendor_time or event.observed_at
    if event.to_status == JobStatus.RUNNING and job.state == "submitted":
        await store.mark_running(conn, job.job_id, event.started_at or vendor_or_observed)
    elif event.to_status.is_terminal:
        # Keep the start we metered from; take the event's only if the job never showed RUNNING to us.
        started_at = job.started_at or event.started_at
        finished_at = event.finished_at or vendor_or_observed
        await store.mark_finished(conn, job.job_id, status=event.to_status, started_at=started_at,
                                  finished_at=finished_at)
        await _true_up(conn, job, metering.billable_minutes(started_at, finished_at))


async def _true_up(conn: asyncpg.Connection, job: MeteredJob, billable: int) -> None:
    booked = await store.minutes_by_kind(conn, job.job_id)
    charges = booked[Kind.CHARGE]
    plan = metering.true_up(billable, charges, booked[Kind.REFUND])
    for minute in plan.charge:
        await _book(conn, job, minute, Kind.CHARGE, job.price_per_minute)
    for minute in plan.refund:
        await _book(conn, job, minute, Kind.REFUND, -charges[minute])


async def _book(conn: asyncpg.Connection, job: MeteredJob, minute: int, kind: Kind, amount: int) -> None:
    """Charge row, ledger transaction, balance and UsageCharged event: all or nothing, at most once."""
    charge_id = metering.charge_id(job.job_id, minute, kind)
    created_at = await store.insert_charge(conn, charge_id=charge_id, job_id=job.job_id, tenant_id=job.tenant_id,
                                           minute=minute, kind=kind, amount=amount)
    if created_at is None:
        return  # already booked; callers hold the job lock, so only a bug gets here
    await store.post_ledger_txn(conn, charge_id, ledger.usage_postings(job.tenant_id, amount))
    balance_after = await store.balance(conn, ledger.tenant_account(job.tenant_id))
    await outbox.enqueue(
        conn, SCHEMA, BILLING_EVENTS,
        UsageCharged(job_id=job.job_id, tenant_id=job.tenant_id, charge_id=charge_id, minute=minute,
                     amount=amount, balance_after=balance_after, charged_at=created_at),
        source=SOURCE,
    )


async def charge_next_minute(pool: asyncpg.Pool, job_id: uuid.UUID) -> bool:
    """Charge the earliest due, unbooked minute of a running job, in its own transaction.
    False when nothing is due (or the job stopped running: its true-up settles the rest)."""
    async with pool.acquire() as conn, conn.transaction():
        locked = await store.lock_job(conn, job_id)
        if locked is None or locked[0].state != "running":
            return False
        job, now = locked
        booked = await store.minutes_by_kind(conn, job_id)
        missing = metering.minutes_to_charge(metering.due_minutes(job.started_at, now), booked[Kind.CHARGE])
        if not missing:
            return False
        await _book(conn, job, missing[0], Kind.CHARGE, job.price_per_minute)
        return True


async def meter_running_jobs(pool: asyncpg.Pool) -> int:
    async with pool.acquire() as conn:
        job_ids = await store.running_job_ids(conn)
    charged = 0
    for job_id in job_ids:
        while await charge_next_minute(pool, job_id):
            charged += 1
    return charged


async def metering_loop(runtime: Runtime) -> None:
    while True:
        charged = await meter_running_jobs(runtime.pool)
        if charged:
            log.info("billing.metered", charges=charged)
        await asyncio.sleep(runtime.settings.metering_interval_s)


async def credit(pool: asyncpg.Pool, tenant_id: uuid.UUID, amount: int) -> int:
    """Add prepaid funds; returns the tenant's new balance."""
    async with pool.acquire() as conn, conn.transaction():
        await store.post_ledger_txn(conn, uuid.uuid4(), ledger.credit_postings(tenant_id, amount))
        return await store.balance(conn, ledger.tenant_account(tenant_id))


async def balance(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> int:
    async with pool.acquire() as conn:
        return await store.balance(conn, ledger.tenant_account(tenant_id))
