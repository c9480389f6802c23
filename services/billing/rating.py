"""Booking minutes: how a batch of (job, minute) becomes charges, package draws, one balanced ledger
transaction, UsageCharged events and the notices of thresholds crossed — in the caller's unit of work.
Each way (charging, reversing) is a pure decision (`book`, `reverse`) with the reads before it and
the writes and announcements after it.

`now` is the transaction's clock (`now()`): the charge rows' created_at, and the events' times.

Exactly once: the caller holds the jobs' row locks, minutes already charged are skipped, and
UNIQUE (job, minute, kind) refuses anything that slips through. One ledger transaction covers the
whole batch (one entry per account), so a thousand minutes cost a handful of ledger rows; each charge
row names that transaction.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import asyncpg

from contracts.billing import JobFundsExhausted, JobFundsRestored
from contracts.billing_events import FundsExhausted, FundsLow, PackageLow
from contracts.events import Event, UsageCharged
from contracts.topics import BILLING_EVENTS
from services.billing import ledger, metering, metrics, packages, store, thresholds
from services.billing.metering import Kind
from services.billing.policy import Policy
from services.billing.store import SCHEMA
from services.billing.store.charges import Charge
from services.billing.store.funds import FundsState
from services.billing.store.jobs import MeteredJob
from services.common.outbox import enqueue_many

SOURCE = "switchyard/billing"


# --- charging: the decision -----------------------------------------------------------------------

@dataclass
class Booking:
    """What charging a batch of minutes writes and announces."""

    charges: dict[str, list]  # charge rows as columns, one list per store.charges.FIELDS name
    draws: list[tuple[str, uuid.UUID, int, int]]  # (charge_id, package_id, quantity, value)
    events: list[Event]  # UsageCharged, and JobFundsExhausted / JobFundsRestored as they happen
    paid: dict[uuid.UUID, tuple[int, int]]  # per tenant: (from the balance, owed)
    exhausted_jobs: dict[uuid.UUID, datetime | None]  # jobs whose funds_exhausted_at changes
    short_tenants: set[uuid.UUID]  # tenants with a minute the balance could not pay
    drawn: set[uuid.UUID]  # packages drawn from


def book(todo: Sequence[tuple[uuid.UUID, int]], jobs: dict[uuid.UUID, MeteredJob], balances: dict[str, int],
         grants: dict[uuid.UUID, list[packages.Grant]], now: datetime, policy: Policy, txn_id: uuid.UUID) -> Booking:
    """Pay each (job, minute) of `todo` in order: from the packages that cover it, then the balance
    (down to the overdraft), the rest owed. `balances` and `grants` are the tenants' locked values;
    they are moved as the minutes are paid, so afterwards they are what is left.

    A batch is thousands of minutes: the per-minute work is kept to the allocation and the row, the
    rows are built as columns (what the insert sends) and the charge ids by metering.charge_id_text."""
    by_id = {g.id: g for gs in grants.values() for g in gs}
    charges = store.charges.empty_columns()
    booking = Booking(charges, [], [], {}, {}, set(), set())
    draws, events, paid, exhausted_jobs = booking.draws, booking.events, booking.paid, booking.exhausted_jobs
    (ids, job_ids, tenant_ids, minutes, kinds, amounts, shortfalls, list_amounts, card_seconds, package_ids,
     package_values, vendor_costs, reasons, txn_ids, vendors, flavors) = (charges[name] for name in store.charges.FIELDS)
    # What every minute of a job shares is worked out once per job, and what its tenant's jobs share once
    # per tenant (a batch of a backlog holds a few minutes of each of many jobs). The order of a tenant's
    # packages cannot change within the batch (one clock, no new packages).
    orders: dict[tuple[uuid.UUID, str, bool], list[packages.Grant]] = {}
    accounts: dict[uuid.UUID, str] = {}
    needs: dict[tuple[int, int], packages.MinuteNeed] = {}
    terms: dict[uuid.UUID, tuple] = {}
    charge_kind = str(Kind.CHARGE)
    for job_id, minute in todo:
        t = terms.get(job_id)
        if t is None:
            job = jobs[job_id]
            order_key = (job.tenant_id, job.accelerator, job.count > 0)
            ordered = orders.get(order_key)
            if ordered is None:
                ordered = orders[order_key] = packages.consumption_order(
                    grants.get(job.tenant_id, []), job.accelerator, job.count, now)
            account = accounts.get(job.tenant_id)
            if account is None:
                account = accounts[job.tenant_id] = ledger.tenant_account(job.tenant_id)
            need = needs.get((job.count, job.price_per_minute))
            if need is None:
                need = needs[job.count, job.price_per_minute] = packages.MinuteNeed(job.count * 60, job.price_per_minute)
            t = terms[job_id] = (job, str(job_id), account, need, ordered)
        job, text_id, account, need, ordered = t
        allocation = packages.allocate(need, ordered, balances[account] + policy.overdraft)
        balances[account] -= allocation.amount
        amount, shortfall = paid.get(job.tenant_id, (0, 0))
        paid[job.tenant_id] = (amount + allocation.amount, shortfall + allocation.shortfall)
        charge_id = metering.charge_id_text(text_id, minute, Kind.CHARGE)
        ids.append(charge_id)
        job_ids.append(job_id)
        tenant_ids.append(job.tenant_id)
        minutes.append(minute)
        kinds.append(charge_kind)
        amounts.append(allocation.amount)
        shortfalls.append(allocation.shortfall)
        list_amounts.append(job.price_per_minute)
        card_seconds.append(need.card_seconds)
        if allocation.draws:
            packages.apply(allocation, by_id)
            package_ids.append(allocation.draws[0].package_id)
            package_values.append(allocation.package_value)
            draws += [(charge_id, d.package_id, d.quantity, d.value) for d in allocation.draws]
            booking.drawn.update(d.package_id for d in allocation.draws)
        else:
            package_ids.append(None)
            package_values.append(0)
        vendor_costs.append(job.vendor_cost_per_minute)
        reasons.append(None)
        txn_ids.append(txn_id)
        vendors.append(job.vendor)
        flavors.append(job.flavor)
        events.append(UsageCharged(job_id=job_id, tenant_id=job.tenant_id, charge_id=charge_id, minute=minute,
                                   amount=allocation.amount + allocation.shortfall,
                                   balance_after=balances[account], charged_at=now))
        exhausted_at = exhausted_jobs.get(job_id, job.funds_exhausted_at)
        if allocation.shortfall:
            booking.short_tenants.add(job.tenant_id)
            if exhausted_at is None:
                exhausted_jobs[job_id] = now
                events.append(JobFundsExhausted(job_id=job_id, tenant_id=job.tenant_id, minute=minute,
                                                shortfall=allocation.shortfall, exhausted_at=now,
                                                stop_after=now + timedelta(seconds=policy.grace_s)))
        elif exhausted_at is not None:
            exhausted_jobs[job_id] = None
            events.append(JobFundsRestored(job_id=job_id, tenant_id=job.tenant_id, minute=minute, restored_at=now))
    return booking


def low_packages(grants: dict[uuid.UUID, packages.Grant], drawn: set[uuid.UUID], policy: Policy) -> list[uuid.UUID]:
    """The drawn packages now at or below the threshold."""
    return [p for p in sorted(drawn) if thresholds.package_low(grants[p].remaining, grants[p].granted, policy.package_low)]


def package_low_notices(low: list[uuid.UUID], rows: dict, grants: dict[uuid.UUID, packages.Grant],
                        now: datetime, policy: Policy) -> tuple[list[uuid.UUID], list[Event]]:
    """PackageLow for each low package not announced yet (its row's low_announced_at), once per package;
    returns those packages (to mark as announced) and the notices."""
    fresh = [p for p in low if rows[p]["low_announced_at"] is None]
    return fresh, [
        PackageLow(tenant_id=rows[p]["tenant_id"], occurred_at=now, package_id=p, accelerator=rows[p]["accelerator"],
                   unit=packages.api_unit(grants[p].unit), granted=packages.micro_quantity(grants[p].unit, grants[p].granted),
                   remaining=packages.micro_quantity(grants[p].unit, grants[p].remaining),
                   threshold_percent=int(policy.package_low * 100), expires_at=grants[p].expires_at)
        for p in fresh
    ]


def funds_notices(state: FundsState, tenant_id: uuid.UUID, balance: int, grants: list[packages.Grant],
                  short: bool, now: datetime, policy: Policy) -> tuple[FundsState, list[Event]]:
    """The tenant's funds state after a batch, with a FundsLow per threshold newly crossed and a
    FundsExhausted the first time a minute went unpaid."""
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


def package_deltas(draws: Sequence[tuple[uuid.UUID | str, uuid.UUID, int, int]]) -> dict[uuid.UUID, int]:
    """What the draws take from each package (a reversal's negative draws give back)."""
    deltas: dict[uuid.UUID, int] = {}
    for _, package_id, quantity, _ in draws:
        deltas[package_id] = deltas.get(package_id, 0) - quantity
    return deltas


# --- charging: reading, recording, announcing ------------------------------------------------------

async def charge_minutes(conn: asyncpg.Connection, jobs: dict[uuid.UUID, MeteredJob],
                         wanted: Sequence[tuple[uuid.UUID, int]], now: datetime, policy: Policy,
                         tally: metrics.Tally | None = None) -> int:
    """Charge each (job, minute) not charged yet; `jobs` are locked by the caller. Returns how many; what they
    charged is added to `tally`, which the caller records once its transaction has committed."""
    pairs = sorted(set(wanted), key=lambda p: (p[0].int, p[1]))  # UUID order, without UUID.__lt__ in Python
    if not pairs:
        return 0
    done = await store.charges.charged_minutes(conn, pairs)
    todo = [p for p in pairs if p not in done]
    if not todo:
        return 0
    tenants = sorted({jobs[job_id].tenant_id for job_id, _ in todo})
    locked = await store.locks.lock_tenants(conn, tenants)
    txn_id = uuid.uuid4()
    booking = book(todo, jobs, locked.balances, locked.grants, now, policy, txn_id)

    events = booking.events
    by_id = {g.id: g for gs in locked.grants.values() for g in gs}
    low = low_packages(by_id, booking.drawn, policy)
    if low:
        low, notices = package_low_notices(low, await store.packages.rows_of(conn, low), by_id, now, policy)
        events += notices
    states = []
    for tenant_id in tenants:
        state, notices = funds_notices(locked.funds[tenant_id], tenant_id,
                                       locked.balances[ledger.tenant_account(tenant_id)],
                                       locked.grants.get(tenant_id, []), tenant_id in booking.short_tenants, now, policy)
        if state != locked.funds[tenant_id]:
            states.append(state)
        events += notices

    await store.charges.insert_columns(conn, booking.charges)
    await store.charges.insert_draws(conn, booking.draws)
    await store.packages.move(conn, package_deltas(booking.draws), low)
    await store.accounts.post(conn, txn_id, ledger.entries(ledger.usage_postings(booking.paid), policy.overdraft),
                              kind="usage")
    await store.funds.save(conn, states)
    await store.jobs.set_funds_exhausted(conn, booking.exhausted_jobs)
    await enqueue_many(conn, SCHEMA, [(BILLING_EVENTS, e) for e in events], source=SOURCE, now=now)
    charges = booking.charges
    if tally is not None:
        charged = [paid + short for paid, short in zip(charges["amount"], charges["shortfall"], strict=True)]
        tally.add_charges(charges["vendor"], charged, charges["vendor_cost"])
    return len(charges["id"])


# --- reversing: the decision ----------------------------------------------------------------------

@dataclass(frozen=True)
class Reversal:
    rows: list[dict]  # refund or void rows, keyed as store.charges.FIELDS
    draws: list[tuple[uuid.UUID, uuid.UUID, int, int]]  # negative: given back to the packages
    events: list[Event]  # one UsageCharged each, negative
    back_to_balance: int
    forgiven: int  # arrears forgiven


def reverse(job: MeteredJob, originals: Sequence[Charge], kind: Kind, drawn: dict[uuid.UUID, list],
            balance: int, owed: int, now: datetime, txn_id: uuid.UUID, reason: str | None = None) -> Reversal:
    """Refund or void each of `originals` (`drawn`: their package draws by charge id) for a tenant with
    `balance` that owes `owed`: what a charge still owes is forgiven, the rest returns to the balance,
    its draws go back to the packages. A void leaves the vendor cost and the card-seconds standing:
    the minute was used."""
    rows, draws, events = [], [], []
    back_to_balance = forgiven = 0
    for original in sorted(originals, key=lambda c: c.minute):
        forgive = min(original.shortfall, max(owed, 0))
        owed -= forgive
        returned = original.amount + original.shortfall - forgive
        back_to_balance, forgiven = back_to_balance + returned, forgiven + forgive
        balance += returned
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
                                   balance_after=balance, charged_at=now))
    return Reversal(rows, draws, events, back_to_balance, forgiven)


# --- reversing: reading, recording, announcing -----------------------------------------------------

async def reverse_charges(conn: asyncpg.Connection, job: MeteredJob, originals: Sequence[Charge], kind: Kind,
                          now: datetime, policy: Policy, *, reason: str | None = None) -> int:
    """Refund (the job ended before these minutes) or void (an operator's correction) each charge with
    a new row (see `reverse`), in one ledger transaction. Returns how many."""
    if not originals:
        return 0
    balances = await store.locks.lock_balances(conn, ledger.accounts_of(job.tenant_id))
    drawn = await store.charges.draws_of(conn, [c.id for c in originals])
    txn_id = uuid.uuid4()
    done = reverse(job, originals, kind, drawn, balances[ledger.tenant_account(job.tenant_id)],
                   -balances[ledger.arrears_account(job.tenant_id)], now, txn_id, reason)
    await store.charges.insert(conn, done.rows)
    await store.charges.insert_draws(conn, done.draws)
    await store.packages.move(conn, package_deltas(done.draws))
    await store.accounts.post(
        conn, txn_id, ledger.entries(ledger.usage_postings({job.tenant_id: (-done.back_to_balance, -done.forgiven)}),
                                     policy.overdraft),
        kind="usage" if kind is Kind.REFUND else "void",
        reference=str(originals[0].id) if kind is Kind.VOID else None, memo=reason)
    await enqueue_many(conn, SCHEMA, [(BILLING_EVENTS, e) for e in done.events], source=SOURCE, now=now)
    return len(done.rows)
