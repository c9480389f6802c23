"""Billing rules without a database: prices, due minutes, billable minutes, true-up, ledger postings."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from services.billing import ledger, metering
from services.billing.metering import Kind
from services.billing.pricing import prices_for

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


# --- prices ---------------------------------------------------------------------------------------

def test_prices_apply_markup_then_split_into_minutes():
    prices = prices_for(30_000_000, Decimal("1.20"))  # 30 CNY/h from the vendor
    assert (prices.vendor_per_hour, prices.sell_per_hour, prices.per_minute) == (30_000_000, 36_000_000, 600_000)


def test_per_minute_price_rounds_half_up_to_a_micro():
    assert prices_for(1_000_000, Decimal("1")).per_minute == 16_667  # 16_666.67
    assert prices_for(30, Decimal("1")).per_minute == 1  # 0.5 rounds up


def test_free_flavor_costs_nothing_and_a_negative_price_is_refused():
    assert prices_for(0, Decimal("1.2")).per_minute == 0
    with pytest.raises(ValueError):
        prices_for(-1, Decimal("1.2"))


# --- minutes still to charge -----------------------------------------------------------------------

def test_minutes_to_charge_skips_booked_ones():
    assert metering.minutes_to_charge(range(5), {0, 1, 3}) == [2, 4]
    assert metering.minutes_to_charge(range(2), {0, 1}) == []


# --- billable minutes at the end -------------------------------------------------------------------

@pytest.mark.parametrize(("elapsed", "billable"), [
    (0, 0), (0.000001, 1), (1, 1), (59, 1), (60, 1), (60.000001, 2), (61, 2), (120, 2), (121, 3), (3600, 60),
])
def test_billable_minutes_round_up(elapsed, billable):
    assert metering.billable_minutes(T0, at(elapsed)) == billable


def test_never_started_or_finished_before_start_bills_nothing():
    assert metering.billable_minutes(None, at(600)) == 0
    assert metering.billable_minutes(T0, at(-30)) == 0


def test_billable_spans_days():
    assert metering.billable_minutes(T0, at(2 * 86_400 + 1)) == 2 * 1440 + 1


# --- true-up ---------------------------------------------------------------------------------------

def test_true_up_charges_missing_minutes():
    assert metering.true_up(3, charged={0}, reversed_=set()) == metering.TrueUp(charge=[1, 2], refund=[])


def test_true_up_refunds_minutes_charged_past_the_end():
    # The loop charged minutes 0..3 but the job ended after 61 s: two minutes owed.
    assert metering.true_up(2, charged={0, 1, 2, 3}, reversed_=set()) == metering.TrueUp(charge=[], refund=[2, 3])


def test_true_up_of_a_job_that_never_ran_refunds_everything():
    assert metering.true_up(0, charged={0}, reversed_=set()) == metering.TrueUp(charge=[], refund=[0])
    assert metering.true_up(0, charged=set(), reversed_=set()) == metering.TrueUp(charge=[], refund=[])


def test_true_up_is_idempotent():
    assert metering.true_up(2, charged={0, 1, 2}, reversed_={2}) == metering.TrueUp(charge=[], refund=[])
    assert metering.true_up(2, charged={0, 1}, reversed_=set()) == metering.TrueUp(charge=[], refund=[])


def test_true_up_fills_gaps_and_refunds_at_once():
    assert metering.true_up(3, charged={0, 2, 4}, reversed_=set()) == metering.TrueUp(charge=[1], refund=[4])


# --- deterministic ids -----------------------------------------------------------------------------

def test_charge_ids_are_deterministic_and_distinct_per_minute_and_kind():
    job = uuid.UUID("11111111-1111-1111-1111-111111111111")
    assert metering.charge_id(job, 3, Kind.CHARGE) == metering.charge_id(job, 3, Kind.CHARGE)
    assert metering.charge_id(job, 3, Kind.CHARGE) == uuid.uuid5(metering.CHARGE_NAMESPACE, f"{job}:3:charge")
    ids = {metering.charge_id(job, m, k) for m in range(3) for k in Kind}
    assert len(ids) == 9


def test_a_charge_id_as_text_is_the_same_uuid5():
    for job in [uuid.UUID("11111111-1111-1111-1111-111111111111"), *(uuid.uuid4() for _ in range(200))]:
        for minute, kind in [(0, Kind.CHARGE), (59, Kind.REFUND), (123_456, Kind.VOID)]:
            assert metering.charge_id_text(str(job), minute, kind) == str(metering.charge_id(job, minute, kind))


# --- ledger postings -------------------------------------------------------------------------------

def test_postings_balance_and_move_money_the_right_way():
    tenant = uuid.uuid4()
    credit = ledger.credit_postings(tenant, 5)
    usage = ledger.usage_postings({tenant: (3, 0)})
    refund = ledger.usage_postings({tenant: (-3, 0)})
    assert sum(credit.values()) == sum(usage.values()) == sum(refund.values()) == 0
    assert credit[ledger.tenant_account(tenant)] == 5
    assert usage[ledger.tenant_account(tenant)] == -3 and usage[ledger.REVENUE] == 3
    assert refund[ledger.tenant_account(tenant)] == 3


def test_a_batch_posts_one_entry_per_account_and_owed_minutes_go_to_arrears():
    a, b = uuid.uuid4(), uuid.uuid4()
    postings = ledger.usage_postings({a: (5, 0), b: (2, 4)})
    assert sum(postings.values()) == 0
    assert postings[ledger.REVENUE] == 11
    assert postings[ledger.tenant_account(b)] == -2 and postings[ledger.arrears_account(b)] == -4


def test_every_posting_kind_balances():
    tenant = uuid.uuid4()
    for postings in (ledger.purchase_postings(tenant, 9), ledger.adjustment_postings(tenant, -4),
                     ledger.adjustment_postings(tenant, 4), ledger.settlement_postings(tenant, 3)):
        assert sum(postings.values()) == 0


@pytest.mark.parametrize(("balance", "arrears", "settled"), [(10, -4, 4), (3, -4, 3), (0, -4, 0), (10, 0, 0), (-2, -4, 0)])
def test_a_top_up_pays_what_is_owed_first(balance, arrears, settled):
    assert ledger.settleable(balance, arrears) == settled


def test_accounts_of_a_tenant_come_in_lock_order():
    tenant = uuid.uuid4()
    assert list(ledger.accounts_of(tenant)) == sorted(ledger.accounts_of(tenant))


# --- ledger entries as written --------------------------------------------------------------------

def test_entries_are_the_non_zero_postings_in_account_order():
    tenant = uuid.uuid4()
    entries = ledger.entries(ledger.usage_postings({tenant: (5, 0)}), overdraft=0)
    assert entries.accounts == sorted([ledger.REVENUE, ledger.tenant_account(tenant)])
    assert dict(zip(entries.accounts, entries.amounts, strict=True)) == {
        ledger.REVENUE: 5, ledger.tenant_account(tenant): -5}
    assert ledger.entries({ledger.CASH: 0, ledger.tenant_account(tenant): 0}, overdraft=7).accounts == []


def test_only_a_tenant_balance_takes_the_overdraft():
    tenant = uuid.uuid4()
    entries = ledger.entries(ledger.usage_postings({tenant: (2, 3)}), overdraft=50)
    overdrafts = dict(zip(entries.accounts, entries.overdrafts, strict=True))
    assert overdrafts == {ledger.arrears_account(tenant): 0, ledger.REVENUE: 0, ledger.tenant_account(tenant): 50}
