"""Booking without a database: how a batch of minutes is paid and announced (rating.book and its
notices), and how charges are given back (rating.reverse)."""

import uuid
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from contracts.billing import JobFundsExhausted, JobFundsRestored
from contracts.billing_events import FundsExhausted, FundsLow
from contracts.events import UsageCharged
from services.billing import ledger, rating
from services.billing.metering import Kind
from services.billing.packages import Grant, Unit
from services.billing.policy import Policy
from services.billing.store import funds, jobs
from services.billing.store.charges import Charge
from services.billing.store.funds import FundsState
from services.billing.store.jobs import MeteredJob

NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
PRICE = 600_000  # 0.60 a minute
POLICY = Policy()
TXN = uuid.uuid4()


def job(tenant_id: uuid.UUID, *, exhausted_at: datetime | None = None) -> MeteredJob:
    return MeteredJob(job_id=uuid.uuid4(), tenant_id=tenant_id, vendor="modelarts", flavor="f1",
                      accelerator="ascend-910b", count=1, price_per_minute=PRICE, vendor_cost_per_minute=500_000,
                      state="running", started_at=NOW, finished_at=None, funds_exhausted_at=exhausted_at)


def card_hours(seconds: int) -> Grant:
    return Grant(id=uuid.uuid4(), unit=Unit.CARD_SECONDS, accelerator="ascend-910b", granted=seconds,
                 remaining=seconds, price=9_000_000, priority=0, expires_at=NOW + timedelta(days=30),
                 purchased_at=NOW - timedelta(days=1))


def booked(j: MeteredJob, minutes: range, balance: int, grants: list[Grant] = ()) -> tuple[rating.Booking, dict]:
    balances = {ledger.tenant_account(j.tenant_id): balance, ledger.arrears_account(j.tenant_id): 0}
    booking = rating.book([(j.job_id, m) for m in minutes], {j.job_id: j}, balances,
                          {j.tenant_id: list(grants)} if grants else {}, NOW, POLICY, TXN)
    return booking, balances


def test_minutes_are_paid_from_the_balance_in_one_transaction():
    j = job(uuid.uuid4())
    booking, balances = booked(j, range(3), 10_000_000)
    assert booking.charges["amount"] == [PRICE] * 3 and set(booking.charges["txn_id"]) == {TXN}
    assert balances[ledger.tenant_account(j.tenant_id)] == 10_000_000 - 3 * PRICE
    assert booking.paid == {j.tenant_id: (3 * PRICE, 0)}
    assert [e.balance_after for e in booking.events if isinstance(e, UsageCharged)] == [
        10_000_000 - PRICE, 10_000_000 - 2 * PRICE, 10_000_000 - 3 * PRICE]


def test_a_covering_package_pays_and_leaves_the_balance_alone():
    j = job(uuid.uuid4())
    package = card_hours(3600)
    booking, balances = booked(j, range(2), 10_000_000, [package])
    assert balances[ledger.tenant_account(j.tenant_id)] == 10_000_000
    assert list(zip(booking.charges["amount"], booking.charges["package_id"])) == [(0, package.id)] * 2
    assert package.remaining == 3600 - 120 and booking.drawn == {package.id}
    assert rating.package_deltas(booking.draws) == {package.id: -120}


def test_the_first_unpaid_minute_exhausts_the_job_once():
    j = job(uuid.uuid4())
    booking, _ = booked(j, range(3), PRICE)  # pays minute 0 only
    assert booking.charges["shortfall"] == [0, PRICE, PRICE]
    assert [type(e) for e in booking.events].count(JobFundsExhausted) == 1
    assert booking.exhausted_jobs == {j.job_id: NOW} and booking.short_tenants == {j.tenant_id}


def test_a_paid_minute_restores_an_exhausted_job():
    j = job(uuid.uuid4(), exhausted_at=NOW - timedelta(minutes=5))
    booking, _ = booked(j, range(1), 10_000_000)
    assert [type(e) for e in booking.events] == [UsageCharged, JobFundsRestored]
    assert booking.exhausted_jobs == {j.job_id: None}


def test_funds_notices_announce_each_crossing_and_the_exhaustion_once():
    tenant_id = uuid.uuid4()
    state = FundsState(tenant_id, last_topup=100_000_000, level=0, exhausted_at=None)
    after, notices = rating.funds_notices(state, tenant_id, 5_000_000, [], True, NOW, POLICY)
    assert [n.threshold_percent for n in notices if isinstance(n, FundsLow)] == [20, 10]
    assert [type(n) for n in notices].count(FundsExhausted) == 1
    assert (after.level, after.exhausted_at) == (2, NOW)
    assert rating.funds_notices(after, tenant_id, 4_000_000, [], True, NOW, POLICY)[1] == []


def test_a_drawn_package_at_its_threshold_is_low():
    package = card_hours(3600)
    package.remaining = 720
    assert rating.low_packages({package.id: package}, {package.id}, Policy(package_low=Decimal("0.20"))) == [package.id]
    package.remaining = 721
    assert rating.low_packages({package.id: package}, {package.id}, Policy(package_low=Decimal("0.20"))) == []


def charge(j: MeteredJob, minute: int, *, amount: int, shortfall: int = 0) -> Charge:
    return Charge(id=uuid.uuid4(), job_id=j.job_id, tenant_id=j.tenant_id, minute=minute, kind=Kind.CHARGE,
                  amount=amount, shortfall=shortfall, list_amount=PRICE, card_seconds=60, package_id=None,
                  package_value=0, vendor_cost=500_000, reason=None, created_at=NOW)


def test_a_refund_forgives_what_is_owed_and_returns_the_rest():
    j = job(uuid.uuid4())
    paid, owed = charge(j, 0, amount=PRICE), charge(j, 1, amount=0, shortfall=PRICE)
    done = rating.reverse(j, [owed, paid], Kind.REFUND, {}, balance=0, owed=PRICE, now=NOW, txn_id=TXN)
    assert (done.back_to_balance, done.forgiven) == (PRICE, PRICE)
    assert [(r["minute"], r["amount"], r["shortfall"], r["vendor_cost"]) for r in done.rows] == [
        (0, -PRICE, 0, -500_000), (1, 0, -PRICE, -500_000)]
    assert [e.amount for e in done.events] == [-PRICE, -PRICE]


def test_a_void_keeps_the_vendor_cost_and_gives_the_draws_back():
    j = job(uuid.uuid4())
    original = charge(j, 0, amount=0)
    package_id = uuid.uuid4()
    drawn = {original.id: [{"package_id": package_id, "quantity": 60, "value": 150_000}]}
    done = rating.reverse(j, [original], Kind.VOID, drawn, balance=0, owed=0, now=NOW, txn_id=TXN, reason="test")
    assert (done.rows[0]["vendor_cost"], done.rows[0]["card_seconds"], done.rows[0]["reason"]) == (0, 0, "test")
    assert rating.package_deltas(done.draws) == {package_id: 60}



def test_the_locked_rows_name_the_dataclasses_fields_in_order():
    # store.locks builds MeteredJob and FundsState positionally from these columns
    assert [c.strip() for c in jobs.COLUMNS.split(",")] == [f.name for f in fields(MeteredJob)]
    assert [c.strip() for c in funds.COLUMNS.split(",")] == [f.name for f in fields(FundsState)]
