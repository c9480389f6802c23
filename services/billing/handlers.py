"""Events in, effects out: job events meter jobs (a price frozen at submission, a run started, left or
ended), usage minutes become charges. Each runs in the one unit of work its consumer opened; the rules
are runs, metering and pricebook's, the booking rating's, the SQL the store's."""

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import asyncpg

from contracts.billing import UsageMinute
from contracts.events import Envelope, JobStateChanged, JobSubmitted
from services.billing import metering, metrics, pricebook, runs, store
from services.billing.metering import Kind
from services.billing.policy import Policy
from services.billing.rating import charge_minutes, reverse_charges
from services.billing.runs import Step
from services.billing.store import SCHEMA
from services.billing.store.jobs import MeteredJob
from services.common.consumer import apply_batch_once
from services.common.logs import log
from services.common.unit_of_work import unit_of_work

CONSUMER = "billing"

# --- job events -----------------------------------------------------------------------------------

JOB_EVENT_TYPES = frozenset({JobSubmitted.TYPE, JobStateChanged.TYPE})  # other job events cost nothing


async def handle_job_events(pool: asyncpg.Pool, markup: Decimal, policy: Policy, envelopes: list[Envelope]) -> None:
    """A batch of job events, applied in order in one unit of work, each once."""
    async def apply(conn: asyncpg.Connection, fresh: list[Envelope]) -> None:
        for envelope in fresh:
            match envelope.data:
                case JobSubmitted() as event:
                    await record_submission(conn, event, markup)
                case JobStateChanged() as event:
                    await apply_state_change(conn, event, policy)

    await apply_batch_once(pool, SCHEMA, CONSUMER, envelopes, apply)


async def record_submission(conn: asyncpg.Connection, event: JobSubmitted, markup: Decimal) -> None:
    """Freeze the sell price the price book gives now, and the vendor cost beside it. A job placed
    again after its vendor lost it gets the new run's price; a repeated or older submission changes
    nothing."""
    book = pricebook.in_force(await store.price_books.current_document(conn), markup)
    quote = pricebook.quote(book, vendor=event.vendor, flavor=event.flavor, accelerator=event.accelerator,
                            vendor_price_per_hour=event.vendor_price_per_hour)
    run = dict(vendor=event.vendor, vendor_job_id=event.vendor_job_id, flavor=event.flavor,
               accelerator=event.accelerator, count=event.count, prices=quote.prices, price_rule=quote.rule,
               sequence=event.sequence)
    if await store.jobs.insert(conn, job_id=event.job_id, tenant_id=event.tenant_id,
                               submitted_at=event.submitted_at, **run):
        return
    job, _ = await store.locks.lock_job(conn, event.job_id)
    if not runs.is_next_submission(state=job.state, sequence=event.sequence, run_sequence=job.submission_sequence):
        if event.vendor_job_id != job.vendor_job_id:
            log.warning("billing.submission_ignored", job_id=str(event.job_id), state=job.state,
                        sequence=event.sequence, run_sequence=job.submission_sequence)
        return
    await store.jobs.start_next_run(conn, job_id=event.job_id, **run)


async def apply_state_change(conn: asyncpg.Connection, event: JobStateChanged, policy: Policy) -> None:
    locked = await store.locks.lock_job(conn, event.job_id)
    if locked is None:
        if runs.before_first_placement(event.vendor):
            return  # queued in Switchyard's own queue (or cancelled there): nothing runs, nothing to bill
        # A job's events share a partition, so its JobSubmitted came before any change on a vendor: an unknown
        # job means that submission never reached us readable. Without the frozen price there is nothing to
        # bill, and a priceless placeholder row would only hide the gap; log it for an operator and move on.
        log.error("billing.state_change_for_unknown_job", job_id=str(event.job_id),
                  tenant_id=str(event.tenant_id), to_status=event.to_status)
        return
    job, now = locked
    step = runs.step(state=job.state, waiting=job.waiting, run_vendor_job_id=job.vendor_job_id,
                     vendor=event.vendor, vendor_job_id=event.vendor_job_id, to_status=event.to_status)
    vendor_or_observed = event.vendor_time or event.observed_at
    if step is Step.START:
        started_at = event.started_at or vendor_or_observed
        # The run's first minute (minute_base) is due at its start: the meter announces it on its next tick.
        await store.jobs.mark_running(conn, job.job_id, started_at=started_at, next_minute=job.minute_base,
                                      next_minute_at=started_at)
    elif step is Step.LEAVE:
        await _leave_vendor(conn, job, vendor_or_observed, now, policy)
    elif step is Step.FINISH:
        # Keep the start we metered from; take the event's only if the run never showed RUNNING to us.
        # A job waiting for its next run has no run going: nothing more to bill.
        started_at = job.started_at or (None if job.waiting else event.started_at)
        finished_at = event.finished_at or vendor_or_observed
        await store.jobs.mark_finished(conn, job.job_id, status=event.to_status, started_at=started_at,
                                       finished_at=finished_at)
        await _true_up(conn, replace(job, state="finished"), now,
                       metering.billable_minutes(started_at, finished_at), policy)


async def _leave_vendor(conn: asyncpg.Connection, job: MeteredJob, left_at, now, policy: Policy) -> None:
    """The vendor lost the job and the scheduler queued it again: the tenant pays the run's started
    minutes up to when the loss was seen, at the run's price; the next run's minutes come after every
    minute this one used. (A run lost before it ever ran cost nothing.)"""
    billable = metering.billable_minutes(job.started_at, left_at) if job.state == "running" else 0
    await _true_up(conn, job, now, billable, policy)
    await store.jobs.mark_left_vendor(conn, job.job_id, left_at=left_at,
                                      minute_base=metering.next_run_base(job.minute_base, billable, job.next_minute))


async def _true_up(conn: asyncpg.Connection, job: MeteredJob, now, billable: int, policy: Policy) -> None:
    """True up the job's current run (numbered from its minute_base) to `billable` minutes."""
    booked = await store.charges.minutes_by_kind(conn, job.job_id)
    charged = booked[Kind.CHARGE]
    plan = metering.true_up(billable, charged, booked[Kind.REFUND].keys() | booked[Kind.VOID].keys(),
                            first=job.minute_base)
    await charge_minutes(conn, {job.job_id: job}, [(job.job_id, m) for m in plan.charge], now, policy)
    await reverse_charges(conn, job, [charged[m] for m in plan.refund], Kind.REFUND, now, policy)


# --- usage minutes --------------------------------------------------------------------------------

async def rate_usage(pool: asyncpg.Pool, minutes: list[UsageMinute], policy: Policy) -> int:
    """Book a batch of usage minutes in one unit of work (see runs.rateable for which); minutes
    already charged are skipped. Returns how many were charged."""
    if not minutes:
        return 0
    tally = metrics.Tally()
    async with unit_of_work(pool) as conn:
        jobs, now = await store.locks.lock_jobs(conn, {m.job_id for m in minutes})
        unknown = {m.job_id for m in minutes} - jobs.keys()
        if unknown:
            log.error("billing.usage_for_unknown_jobs", jobs=sorted(map(str, unknown)))
        rateable = runs.rateable(minutes, jobs)
        charged = await charge_minutes(conn, jobs, rateable, now, policy, tally)
    if charged:
        at = {(m.job_id, m.minute): m.minute_at for m in minutes}
        tally.add_lags([at[pair] for pair in rateable if pair in at], datetime.now(UTC))
        tally.record()
    return charged
