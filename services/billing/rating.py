"""Booking minutes: how a batch of (job, minute) becomes charges, package draws, one balanced ledger
transaction, UsageCharged events and the notices of thresholds crossed — in the caller's transaction.

`now` is the transaction's clock (`now()`): the charge rows' created_at, and the events' times.

Exactly once: the caller holds the jobs' row locks, minutes already charged are skipped, and
UNIQUE (job, minute, kind) refuses anything that slips through. One ledger transaction covers the
whole batch (one entry per account), so a thousand minutes cost a handful of ledger rows; each charge
row names that transaction.
"""

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

import asyncpg

from contracts.billing import JobFundsExhausted, JobFundsRestored
from contracts.billing_events import FundsExhausted, FundsLow, PackageLow
from contracts.events import Event, UsageCharged
from contracts.topics import BILLING_EVENTS
from services.billing import ledger, metering, packages, store, thresholds
from services.billing.metering import Kind
from services.billing.policy import Policy
from services.billing.store import SCHEMA
from services.billing.store.charges import Charge
from services.billing.store.funds import FundsState
from services.billing.store.jobs import MeteredJob
from services.common.outbox import enqueue_many

SOURCE = "switchyard/billing"


async def charge_minutes(conn: asyncpg.Connection, jobs: dict[uuid.UUID, MeteredJob],
                         wanted: Sequence[tuple[uuid.UUID, int]], now: datetime, policy: Policy) -> int:
    """Charge each (job, minute) not charged yet; `jobs` are locked by the caller. Returns how many."""
    pairs = sorted(set(wanted), key=lambda p: (p[0], p[1]))
    if not pairs:
        return 0
    done = await store.charges.charged_minutes(conn, pairs)
    todo = [p for p in pairs if p not in done]
    if not todo:
        return 0
    tenants = sorted({jobs[job_id].tenant_id for job_id, _ in todo})
    locked = await store.locks.lock_tenants(conn, tenants)
    balances, grants, funds = locked.balances, locked.grants, locked.funds
    by_id = {g.id: g for gs in grants.values() for g in gs}

    txn_id = uuid.uuid4()
    charges, draws, events = [], [], []
    paid: dict[uuid.UUID, tuple[int, int]] = {}
    exhausted_jobs: dict[uuid.UUID, datetime | None] = {}
    short_tenants: set[uuid.UUID] = set()
    drawn: set[uuid.UUID] = set()
    orders: dict[tuple[uuid.UUID, str, bool], list[packages.Grant]] = {}
    for job_id, minute in todo:
        job = jobs[job_id]
        account = ledger.tenant_account(job.tenant_id)
        need = packages.MinuteNeed(job.count * 60, job.price_per_minute)
        # The order of a tenant's packages cannot change within the batch (one clock, no new packages).
        order_key = (job.tenant_id, job.accelerator, job.count > 0)
        ordered = orders.get(order_key)
        if ordered is None:
            ordered = orders[order_key] = packages.consumption_order(
                grants.get(job.tenant_id, []), job.accelerator, job.count, now)
        allocation = packages.allocate(need, ordered, balances[account] + policy.overdraft)
        packages.apply(allocation, by_id)
        balances[account] -= allocation.amount
        amount, shortfall = paid.get(job.tenant_id, (0, 0))
        paid[job.tenant_id] = (amount + allocation.amount, shortfall + allocation.shortfall)
        charge_id = metering.charge_id(job_id, minute, Kind.CHARGE)
        charges.append({
            "id": charge_id, "job_id": job_id, "tenant_id": job.tenant_id, "minute": minute, "kind": str(Kind.CHARGE),
            "amount": allocation.amount, "shortfall": allocation.shortfall, "list_amount": job.price_per_minute,
            "card_seconds": job.count * 60, "package_id": allocation.draws[0].package_id if allocation.draws else None,
            "package_value": allocation.package_value, "vendor_cost": job.vendor_cost_per_minute, "reason": None,
            "txn_id": txn_id, "vendor": job.vendor, "flavor": job.flavor,
        })
        draws += [(charge_id, d.package_id, d.quantity, d.value) for d in allocation.draws]
        drawn.update(d.package_id for d in allocation.draws)
        events.append(UsageCharged(job_id=job_id, tenant_id=job.tenant_id, charge_id=charge_id, minute=minute,
                                   amount=allocation.amount + allocation.shortfall,
                                   balance_after=balances[account], charged_at=now))
        exhausted_at = exhausted_jobs.get(job_id, job.funds_exhausted_at)
        if allocation.shortfall:
            short_tenants.add(job.tenant_id)
            if exhausted_at is None:
                exhausted_jobs[job_id] = now
                events.append(JobFundsExhausted(job_id=job_id, tenant_id=job.tenant_id, minute=minute,
                                                shortfall=allocation.shortfall, exhausted_at=now,
                                                stop_after=now + timedelta(seconds=policy.grace_s)))
        elif exhausted_at is not None:
            exhausted_jobs[job_id] = None
            events.append(JobFundsRestored(job_id=job_id, tenant_id=job.tenant_id, minute=minute, restored_at=now))

    low, notices = await _package_notices(conn, by_id, drawn, now, policy)
    events += notices
    states = []
    for tenant_id in tenants:
        state, notices = _funds_notices(funds[tenant_id], tenant_id, balances[ledger.tenant_account(tenant_id)],
                                        grants.get(tenant_id, []), tenant_id in short_tenants, now, policy)
        if state != funds[tenant_id]:
            states.append(state)
        events += notices

    await store.charges.insert(conn, charges)
    await store.charges.insert_draws(conn, draws)
    await store.packages.move(conn, _deltas(draws), low)
    await store.accounts.post(conn, txn_id, ledger.entries(ledger.usage_postings(paid), policy.overdraft), kind="usage")
    await store.funds.save(conn, states)
    await store.jobs.set_funds_exhausted(conn, exhausted_jobs)
    await enqueue_many(conn, SCHEMA, [(BILLING_EVENTS, e) for e in events], source=SOURCE, now=now)
    return len(charges)


def _deltas(draws: Sequence[tuple[uuid.UUID, uuid.UUID, int, int]]) -> dict[uuid.UUID, int]:
    deltas: dict[uuid.UUID, int] = {}
    for _, package_id, quantity, _ in draws:
        deltas[package_id] = deltas.get(package_id, 0) - quantity
    return deltas


async def _package_notices(conn: asyncpg.Connection, grants: dict[uuid.UUID, packages.Grant], drawn: set[uuid.UUID],
                           now: datetime, policy: Policy) -> tuple[list[uuid.UUID], list[Event]]:
    """PackageLow for drawn packages now at or below the threshold, once per package."""
    low = [p for p in sorted(drawn)
           if thresholds.package_low(grants[p].remaining, grants[p].granted, policy.package_low)]
    if not low:
        return [], []
    rows = await store.packages.rows_of(conn, low)
    fresh = [p for p in low if rows[p]["low_announced_at"] is None]
    return fresh, [
        PackageLow(tenant_id=rows[p]["tenant_id"], occurred_at=now, package_id=p, accelerator=rows[p]["accelerator"],
                   unit=packages.api_unit(grants[p].unit), granted=packages.micro_quantity(grants[p].unit, grants[p].granted),
                   remaining=packages.micro_quantity(grants[p].unit, grants[p].remaining),
                   threshold_percent=int(policy.package_low * 100), expires_at=grants[p].expires_at)
        for p in fresh
    ]


def _funds_notices(state: FundsState, tenant_id: uuid.UUID, balance: int, grants: list[packages.Grant],
                   short: bool, now: datetime, policy: Policy) -> tuple[FundsState, list[Event]]:
    available = balance + sum(g.value_left for g in grants if g.expires_at > now)
    crossing = thresholds.cross(state.level, available, state.last_topup, policy.funds_low)
    notices: list[Event] = [
        FundsLow(tenant_id=tenant_id, occurred_at=now, balance=balance, available=available,
                 threshold_percent=int(fraction * 100), last_top_up=state.last_topup)
        for fraction in crossing.crossed
    ]
    exhausted_at = state.exhausted_at
    if short and exhausted_at is None:
        exhausted_at = now
        notices.append(FundsExhausted(tenant_id=tenant_id, occurred_at=now, balance=balance))
    return replace(state, level=crossing.level, exhausted_at=exhausted_at), notices


async def reverse_charges(conn: asyncpg.Connection, job: MeteredJob, originals: Sequence[Charge], kind: Kind,
                          now: datetime, policy: Policy, *, reason: str | None = None) -> int:
    """Refund (the job ended before these minutes) or void (an operator's correction) each charge with
    a new row: what it took from packages goes back to them, what is still owed for it is forgiven,
    the rest returns to the balance. A void leaves the vendor cost standing: the minute was used."""
    if not originals:
        return 0
    tenant, owed_account = ledger.tenant_account(job.tenant_id), ledger.arrears_account(job.tenant_id)
    balances = await store.locks.lock_balances(conn, ledger.accounts_of(job.tenant_id))
    drawn = await store.charges.draws_of(conn, [c.id for c in originals])
    owed = -balances[owed_account]
    txn_id = uuid.uuid4()
    rows, draws, events = [], [], []
    back_to_balance = forgiven = 0
    for original in sorted(originals, key=lambda c: c.minute):
        forgive = min(original.shortfall, max(owed, 0))
        owed -= forgive
        returned = original.amount + original.shortfall - forgive
        back_to_balance, forgiven = back_to_balance + returned, forgiven + forgive
        balances[tenant] += returned
        reversal_id = metering.charge_id(job.job_id, original.minute, kind)
        rows.append({
            "id": reversal_id, "job_id": job.job_id, "tenant_id": job.tenant_id, "minute": original.minute,
            "kind": str(kind), "amount": -returned, "shortfall": -forgive, "list_amount": -original.list_amount,
            "card_seconds": -original.card_seconds if kind is Kind.REFUND else 0,
            "package_id": original.package_id, "package_value": -original.package_value,
            "vendor_cost": -original.vendor_cost if kind is Kind.REFUND else 0, "reason": reason, "txn_id": txn_id,
            "vendor": original.vendor, "flavor": original.flavor,
        })
        draws += [(reversal_id, d["package_id"], -d["quantity"], -d["value"]) for d in drawn.get(original.id, [])]
        events.append(UsageCharged(job_id=job.job_id, tenant_id=job.tenant_id, charge_id=reversal_id,
                                   minute=original.minute, amount=-(returned + forgive),
                                   balance_after=balances[tenant], charged_at=now))
    await store.charges.insert(conn, rows)
    await store.charges.insert_draws(conn, draws)
    await store.packages.move(conn, _deltas(draws))
    await store.accounts.post(
        conn, txn_id, ledger.entries(ledger.usage_postings({job.tenant_id: (-back_to_balance, -forgiven)}),
                                     policy.overdraft),
        kind="usage" if kind is Kind.REFUND else "void",
        reference=str(originals[0].id) if kind is Kind.VOID else None, memo=reason)
    await enqueue_many(conn, SCHEMA, [(BILLING_EVENTS, e) for e in events], source=SOURCE, now=now)
    return len(rows)
