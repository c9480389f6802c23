"""What billing does with each event and request. Transactions start here; the rules live in
metering, packages, pricebook, thresholds and statements, the SQL in store, the booking in rating."""

import asyncio
import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from decimal import Decimal

import asyncpg

from contracts import money
from contracts.billing import BILLING_USAGE, UsageMinute
from contracts.billing_events import PackageExpired
from contracts.events import Envelope, JobStateChanged, JobSubmitted
from contracts.topics import BILLING_EVENTS
from services.billing import ledger, metering, packages, pricebook, runs, store, thresholds
from services.billing.config import BillingSettings
from services.billing.metering import Kind
from services.common.outbox import enqueue_many
from services.billing.rating import SOURCE, Policy, charge_minutes, reverse_charges
from services.billing.runs import Step
from services.billing.store import SCHEMA
from services.common.consumer import apply_batch_once
from services.common.logs import log

CONSUMER = "billing"


class NotFound(LookupError):
    pass


class Conflict(ValueError):
    pass


class InsufficientFunds(ValueError):
    def __init__(self, needed: int, available: int):
        super().__init__(f"needs {needed}, has {available}")
        self.needed, self.available = needed, available


def policy_from(settings: BillingSettings) -> Policy:
    return Policy(overdraft=settings.overdraft_micros, funds_low=tuple(settings.funds_low_thresholds),
                  package_low=settings.package_low_threshold, grace_s=settings.funds_grace_s)


async def price_book(conn: asyncpg.Connection, markup: Decimal) -> pricebook.PriceBook:
    row = await store.current_price_book(conn)
    return pricebook.PriceBook.from_document(row["document"]) if row else pricebook.default_book(markup)


# --- job events -----------------------------------------------------------------------------------

JOB_EVENT_TYPES = frozenset({JobSubmitted.TYPE, JobStateChanged.TYPE})  # other job events cost nothing


async def handle_job_events(pool: asyncpg.Pool, markup: Decimal, policy: Policy, envelopes: list[Envelope]) -> None:
    """A batch of job events, applied in order in one transaction, each once."""
    async def apply(conn: asyncpg.Connection, fresh: list[Envelope]) -> None:
        for envelope in fresh:
            match envelope.data:
                case JobSubmitted() as event:
                    await record_submission(conn, event, markup)
                case JobStateChanged() as event:
                    await apply_state_change(conn, event, policy)

    await apply_batch_once(pool, SCHEMA, CONSUMER, envelopes, apply)


async def handle_job_event(pool: asyncpg.Pool, markup: Decimal, policy: Policy, envelope: Envelope) -> None:
    await handle_job_events(pool, markup, policy, [envelope])


async def record_submission(conn: asyncpg.Connection, event: JobSubmitted, markup: Decimal) -> None:
    """Freeze the sell price the price book gives now, and the vendor cost beside it. A job placed
    again after its vendor lost it gets the new run's price; a repeated or older submission changes
    nothing."""
    quote = pricebook.quote(await price_book(conn, markup), vendor=event.vendor, flavor=event.flavor,
                            accelerator=event.accelerator, vendor_price_per_hour=event.vendor_price_per_hour)
    run = dict(vendor=event.vendor, vendor_job_id=event.vendor_job_id, flavor=event.flavor,
               accelerator=event.accelerator, count=event.count, prices=quote.prices, price_rule=quote.rule,
               sequence=event.sequence)
    if await store.insert_metered_job(conn, job_id=event.job_id, tenant_id=event.tenant_id,
                                      submitted_at=event.submitted_at, **run):
        return
    job, _ = await store.lock_job(conn, event.job_id)
    if not runs.is_next_submission(state=job.state, sequence=event.sequence, run_sequence=job.submission_sequence):
        if event.vendor_job_id != job.vendor_job_id:
            log.warning("billing.submission_ignored", job_id=str(event.job_id), state=job.state,
                        sequence=event.sequence, run_sequence=job.submission_sequence)
        return
    await store.start_next_run(conn, job_id=event.job_id, **run)


async def apply_state_change(conn: asyncpg.Connection, event: JobStateChanged, policy: Policy) -> None:
    locked = await store.lock_job(conn, event.job_id)
    if locked is None:
        # A job's events share a partition, so its JobSubmitted came first: an unknown job means that
        # submission never reached us readable. Without the frozen price there is nothing to bill, and
        # a priceless placeholder row would only hide the gap; log it for an operator and move on.
        log.error("billing.state_change_for_unknown_job", job_id=str(event.job_id),
                  tenant_id=str(event.tenant_id), to_status=event.to_status)
        return
    job, now = locked
    step = runs.step(state=job.state, waiting=job.waiting, run_vendor_job_id=job.vendor_job_id,
                     vendor=event.vendor, vendor_job_id=event.vendor_job_id, to_status=event.to_status)
    vendor_or_observed = event.vendor_time or event.observed_at
    if step is Step.START:
        await store.mark_running(conn, job.job_id, event.started_at or vendor_or_observed)
    elif step is Step.LEAVE:
        await _leave_vendor(conn, job, vendor_or_observed, now, policy)
    elif step is Step.FINISH:
        # Keep the start we metered from; take the event's only if the run never showed RUNNING to us.
        # A job waiting for its next run has no run going: nothing more to bill.
        started_at = job.started_at or (None if job.waiting else event.started_at)
        finished_at = event.finished_at or vendor_or_observed
        await store.mark_finished(conn, job.job_id, status=event.to_status, started_at=started_at,
                                  finished_at=finished_at)
        await _true_up(conn, replace(job, state="finished"), now,
                       metering.billable_minutes(started_at, finished_at), policy)


async def _leave_vendor(conn: asyncpg.Connection, job: store.MeteredJob, left_at, now, policy: Policy) -> None:
    """The vendor lost the job and the scheduler queued it again: the tenant pays the run's started
    minutes up to when the loss was seen, at the run's price; the next run's minutes come after every
    minute this one used. (A run lost before it ever ran cost nothing.)"""
    billable = metering.billable_minutes(job.started_at, left_at) if job.state == "running" else 0
    await _true_up(conn, job, now, billable, policy)
    await store.mark_left_vendor(conn, job.job_id, left_at=left_at,
                                 minute_base=metering.next_run_base(job.minute_base, billable, job.next_minute))


async def _true_up(conn: asyncpg.Connection, job: store.MeteredJob, now, billable: int, policy: Policy) -> None:
    """True up the job's current run (numbered from its minute_base) to `billable` minutes."""
    booked = await store.minutes_by_kind(conn, job.job_id)
    charged = booked[Kind.CHARGE]
    plan = metering.true_up(billable, charged, booked[Kind.REFUND].keys() | booked[Kind.VOID].keys(),
                            first=job.minute_base)
    await charge_minutes(conn, {job.job_id: job}, [(job.job_id, m) for m in plan.charge], now, policy)
    await reverse_charges(conn, job, [charged[m] for m in plan.refund], Kind.REFUND, now, policy)


# --- the meter and the rater ----------------------------------------------------------------------

async def meter(pool: asyncpg.Pool, limit: int = 5000) -> int:
    """Announce every minute that has started on a running job: one UsageMinute each, once (the
    meter's position moves in the same transaction as the outbox rows)."""
    total = 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            due = await store.advance_due_jobs(conn, limit)
            await enqueue_many(conn, SCHEMA, [
                (BILLING_USAGE, UsageMinute(job_id=r["job_id"], tenant_id=r["tenant_id"], minute=r["minute"],
                                            minute_at=r["minute_at"])) for r in due
            ], source=SOURCE, key_by_tenant=True)
        total += len(due)
        if not due:  # a job many minutes behind moves one minute per pass: go round until none is due
            return total


async def rate_usage(pool: asyncpg.Pool, minutes: list[UsageMinute], policy: Policy) -> int:
    """Book a batch of usage minutes in one transaction. Minutes of jobs that already ended, and of a
    job's earlier runs (below its minute_base), are left to the true-up, which settled them; minutes
    already charged are skipped."""
    if not minutes:
        return 0
    async with pool.acquire() as conn, conn.transaction():
        jobs, now = await store.lock_jobs(conn, {m.job_id for m in minutes})
        unknown = {m.job_id for m in minutes} - jobs.keys()
        if unknown:
            log.error("billing.usage_for_unknown_jobs", jobs=sorted(map(str, unknown)))
        running = {job_id: job for job_id, job in jobs.items() if job.state == "running"}
        wanted = [(m.job_id, m.minute) for m in minutes
                  if m.job_id in running and m.minute >= running[m.job_id].minute_base]
        return await charge_minutes(conn, running, wanted, now, policy)


async def metering_loop(pool: asyncpg.Pool, tick_s: float) -> None:
    while True:
        announced = await meter(pool)
        if announced:
            log.debug("billing.metered", minutes=announced)
        await asyncio.sleep(tick_s)


async def housekeeping(pool: asyncpg.Pool, idempotency_ttl_h: float) -> tuple[int, int]:
    """Announce expired packages (once each) and forget idempotency keys past their retention."""
    async with pool.acquire() as conn, conn.transaction():
        expired = await store.claim_expired_packages(conn)
        await enqueue_many(conn, SCHEMA, [(BILLING_EVENTS, PackageExpired(
            tenant_id=p["tenant_id"], occurred_at=p["expired_announced_at"], package_id=p["id"],
            accelerator=p["accelerator"], unit=packages.api_unit(packages.Unit(p["unit"])),
            granted=packages.micro_quantity(packages.Unit(p["unit"]), p["granted"]),
            remaining=packages.micro_quantity(packages.Unit(p["unit"]), p["remaining"]),
            expired_at=p["expires_at"])) for p in expired], source=SOURCE)
        forgotten = await store.forget_idempotency_keys(conn, idempotency_ttl_h)
    return len(expired), forgotten


async def housekeeping_loop(pool: asyncpg.Pool, interval_s: float, idempotency_ttl_h: float) -> None:
    while True:
        expired, forgotten = await housekeeping(pool, idempotency_ttl_h)
        if expired or forgotten:
            log.info("billing.housekeeping", packages_expired=expired, idempotency_keys_forgotten=forgotten)
        await asyncio.sleep(interval_s)


# --- idempotent requests --------------------------------------------------------------------------

@dataclass(frozen=True)
class Reply:
    status: int
    body: dict
    replayed: bool = False


def fingerprint(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


async def idempotent(pool: asyncpg.Pool, scope: str, key: str | None, request: dict,
                     effect: Callable[[asyncpg.Connection], Awaitable[Reply]]) -> Reply:
    """Run `effect` once per (scope, key): a repeat with the same request gets the first reply back,
    one with a different request is a Conflict. Only successes are kept (a refused purchase may be
    retried after a top-up). Without a key, the effect simply runs."""
    async with pool.acquire() as conn, conn.transaction():
        if key is None:
            return await effect(conn)
        print_ = fingerprint(request)
        stored = await store.claim_idempotency_key(conn, scope, key, print_)
        if stored is not None:
            if stored["fingerprint"] != print_:
                raise Conflict("this Idempotency-Key was used with a different request")
            return Reply(stored["status"], stored["response"], replayed=True)
        reply = await effect(conn)
        await store.store_idempotent_reply(conn, scope, key, print_, reply.status, reply.body)
        return reply


# --- money movements ------------------------------------------------------------------------------

async def _settle_and_rearm(conn: asyncpg.Connection, tenant_id: uuid.UUID, policy: Policy, *,
                            topup: int | None) -> int:
    """After money came in: pay what is owed from the balance, re-arm the thresholds (against this
    top-up when it is one) and clear the exhaustion. Returns the new balance."""
    balances = await store.lock_balances(conn, ledger.accounts_of(tenant_id))
    tenant, arrears = ledger.tenant_account(tenant_id), ledger.arrears_account(tenant_id)
    settled = ledger.settleable(balances[tenant], balances[arrears])
    if settled:
        await store.post_ledger_txn(conn, uuid.uuid4(), ledger.settlement_postings(tenant_id, settled),
                                    kind="arrears_settlement", overdraft=policy.overdraft)
    balance = balances[tenant] - settled
    grants = await store.lock_grants(conn, [tenant_id])
    state = (await store.lock_funds(conn, [tenant_id]))[tenant_id]
    last_topup = topup if topup is not None else state.last_topup
    available = balance + sum(g.value_left for g in grants.get(tenant_id, []))
    level = thresholds.funds_level(available, last_topup, policy.funds_low)
    await store.save_funds(conn, [replace(state, last_topup=last_topup, level=min(level, state.level) if topup is None
                                          else level, exhausted_at=None)])
    return balance


def balance_body(balance: int) -> dict:
    return {"balance": money.format_amount(balance), "currency": money.CURRENCY}


async def credit(pool: asyncpg.Pool, tenant_id: uuid.UUID, amount: int, policy: Policy, *,
                 key: str | None = None, actor: str = "operator") -> Reply:
    """A top-up: the balance grows, arrears are paid first, thresholds measure against it."""
    async def effect(conn: asyncpg.Connection) -> Reply:
        await store.lock_balances(conn, ledger.accounts_of(tenant_id))
        await store.post_ledger_txn(conn, uuid.uuid4(), ledger.credit_postings(tenant_id, amount), kind="credit",
                                    overdraft=policy.overdraft, reference=key)
        balance = await _settle_and_rearm(conn, tenant_id, policy, topup=amount)
        await store.audit(conn, actor=actor, action="credit", tenant_id=tenant_id, subject=None,
                          details={"amount": amount, "idempotency_key": key})
        return Reply(200, balance_body(balance))

    return await idempotent(pool, f"credit:{tenant_id}", key, {"amount": amount}, effect)


async def balance(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> int:
    async with pool.acquire() as conn:
        return await store.balance(conn, ledger.tenant_account(tenant_id))


async def purchase(pool: asyncpg.Pool, tenant_id: uuid.UUID, offer_id: uuid.UUID, policy: Policy, *,
                   key: str | None, render: Callable[[asyncpg.Record], dict]) -> Reply:
    """Buy a package from the balance (never from the overdraft)."""
    async def effect(conn: asyncpg.Connection) -> Reply:
        offer = await store.offer(conn, offer_id)
        if offer is None or not offer["active"]:
            raise NotFound("package offer")
        balances = await store.lock_balances(conn, ledger.accounts_of(tenant_id))
        available = balances[ledger.tenant_account(tenant_id)]
        if available < offer["price"]:
            raise InsufficientFunds(offer["price"], available)
        package_id = uuid.uuid4()
        await store.post_ledger_txn(conn, uuid.uuid4(), ledger.purchase_postings(tenant_id, offer["price"]),
                                    kind="package_purchase", overdraft=policy.overdraft, reference=str(package_id),
                                    memo=offer["name"])
        now = await conn.fetchval("SELECT now()")
        package = await store.insert_package(conn, package_id=package_id, tenant_id=tenant_id, offer=offer,
                                             expires_at=packages.expiry(now, offer["valid_days"]))
        await _settle_and_rearm(conn, tenant_id, policy, topup=None)
        return Reply(201, render(package))

    return await idempotent(pool, f"package:{tenant_id}", key, {"offer_id": str(offer_id)}, effect)


async def adjust(pool: asyncpg.Pool, tenant_id: uuid.UUID, amount: int, kind: str, reason: str, policy: Policy, *,
                 key: str | None, actor: str) -> Reply:
    """An operator's credit, refund (amount > 0) or debit (amount < 0), with its reason on record."""
    async def effect(conn: asyncpg.Connection) -> Reply:
        balances = await store.lock_balances(conn, ledger.accounts_of(tenant_id))
        available = balances[ledger.tenant_account(tenant_id)] + policy.overdraft
        if amount < 0 and available + amount < 0:
            raise InsufficientFunds(-amount, available)
        adjustment_id = uuid.uuid4()
        await store.post_ledger_txn(conn, adjustment_id, ledger.adjustment_postings(tenant_id, amount),
                                    kind="adjustment", overdraft=policy.overdraft, reference=str(adjustment_id),
                                    memo=f"{kind}: {reason}")
        new_balance = await _settle_and_rearm(conn, tenant_id, policy, topup=None) if amount > 0 \
            else balances[ledger.tenant_account(tenant_id)] + amount
        await store.audit(conn, actor=actor, action=f"adjustment.{kind}", tenant_id=tenant_id,
                          subject=str(adjustment_id), details={"amount": amount, "reason": reason, "idempotency_key": key})
        return Reply(201, {"id": str(adjustment_id), "tenant_id": str(tenant_id), "kind": kind,
                           "amount": money.format_amount(amount), "currency": money.CURRENCY, "reason": reason,
                           "balance": money.format_amount(new_balance)})

    return await idempotent(pool, f"adjust:{tenant_id}", key, {"amount": amount, "kind": kind, "reason": reason}, effect)


async def void_charge(pool: asyncpg.Pool, charge_id: uuid.UUID, reason: str, policy: Policy, *,
                      actor: str) -> store.Charge:
    """Give a charge back with a void row (the charge itself stays as it was)."""
    async with pool.acquire() as conn, conn.transaction():
        charge = await store.get_charge(conn, charge_id)
        if charge is None:
            raise NotFound("charge")
        if charge.kind is not Kind.CHARGE:
            raise Conflict(f"only a charge can be voided, this is a {charge.kind}")
        job, now = await store.lock_job(conn, charge.job_id)
        booked = await store.minutes_by_kind(conn, charge.job_id)
        if charge.minute in booked[Kind.REFUND] or charge.minute in booked[Kind.VOID]:
            raise Conflict("this charge was already refunded or voided")
        await reverse_charges(conn, job, [charge], Kind.VOID, now, policy, reason=reason)
        await store.audit(conn, actor=actor, action="charge.void", tenant_id=charge.tenant_id, subject=str(charge_id),
                          details={"reason": reason, "amount": charge.amount, "shortfall": charge.shortfall})
        void = await store.get_charge(conn, metering.charge_id(charge.job_id, charge.minute, Kind.VOID))
        return void
