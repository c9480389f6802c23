"""Package rules without a database: card-hours, consumption order, how a minute is paid, admission."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.billing import packages
from services.billing.packages import Grant, MinuteNeed, Unit

NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
PRICE = 600_000  # 0.60 a minute
ONE_CARD = MinuteNeed(card_seconds=60, price=PRICE)


def grant(unit=Unit.CARD_SECONDS, *, remaining=3600, granted=3600, accelerator="ascend-910b", price=9_000_000,
          priority=0, expires_in_days=30, bought_days_ago=1) -> Grant:
    return Grant(id=uuid.uuid4(), unit=unit, accelerator=accelerator if unit is Unit.CARD_SECONDS else None,
                 granted=granted, remaining=remaining, price=price, priority=priority,
                 expires_at=NOW + timedelta(days=expires_in_days), purchased_at=NOW - timedelta(days=bought_days_ago))


def credit(remaining: int, **kwargs) -> Grant:
    return grant(Unit.MICROS, remaining=remaining, granted=kwargs.pop("granted", remaining), **kwargs)


# --- quantities -------------------------------------------------------------------------------------

def test_card_hours_are_kept_in_card_seconds():
    assert packages.card_seconds("100") == 360_000
    assert packages.card_seconds("0.5") == 1800
    for bad in ("0", "-1", "0.0001", "abc"):
        with pytest.raises(ValueError):
            packages.card_seconds(bad)


def test_card_hours_are_shown_as_decimal_strings():
    assert packages.format_card_hours(360_000) == "100.00"
    assert packages.format_card_hours(90) == "0.025"
    assert packages.format_card_hours(1) == "0.000278"  # 1/3600 rounded half-up to a millionth


def test_package_quantities_in_micro_units_of_their_api_unit():
    assert packages.api_unit(Unit.CARD_SECONDS) == "card_hours" and packages.api_unit(Unit.MICROS) == "CNY"
    assert packages.micro_quantity(Unit.CARD_SECONDS, 3600) == 1_000_000
    assert packages.micro_quantity(Unit.MICROS, 5) == 5


def test_value_is_pro_rata_of_the_price():
    g = grant(remaining=900, granted=3600, price=9_000_000)
    assert g.value_of(60) == 150_000 and g.value_left == 2_250_000


# --- consumption order -----------------------------------------------------------------------------

def test_the_package_expiring_first_is_consumed_first():
    later, sooner = grant(expires_in_days=20), grant(expires_in_days=5)
    assert packages.consumption_order([later, sooner], "ascend-910b", 1, NOW) == [sooner, later]


def test_priority_comes_before_expiry_and_the_oldest_purchase_breaks_ties():
    urgent, preferred = grant(expires_in_days=1, priority=5), grant(expires_in_days=60, priority=0)
    old, new = grant(bought_days_ago=9), grant(bought_days_ago=1)
    new.expires_at = old.expires_at
    assert packages.consumption_order([urgent, preferred], "ascend-910b", 1, NOW) == [preferred, urgent]
    assert packages.consumption_order([new, old], "ascend-910b", 1, NOW) == [old, new]


def test_only_covering_live_packages_with_something_left_count():
    other_class, empty, expired = grant(accelerator="nvidia-v100"), grant(remaining=0), grant(expires_in_days=-1)
    money = credit(1_000_000)
    ordered = packages.consumption_order([other_class, empty, expired, money], "ascend-910b", 1, NOW)
    assert ordered == [money]
    assert packages.consumption_order([grant()], "ascend-910b", 0, NOW) == []  # a cpu job uses no card-hours


# --- paying a minute -------------------------------------------------------------------------------

def test_a_covered_minute_costs_the_balance_nothing():
    g = grant()
    allocation = packages.allocate(ONE_CARD, [g], available=10_000_000)
    assert allocation.amount == 0 and allocation.shortfall == 0
    assert [(d.package_id, d.quantity) for d in allocation.draws] == [(g.id, 60)]
    assert allocation.package_value == g.value_of(60)


def test_a_minute_of_eight_cards_draws_eight_card_minutes():
    allocation = packages.allocate(MinuteNeed(480, PRICE), [grant()], available=0)
    assert allocation.draws[0].quantity == 480


def test_a_minute_splits_across_a_package_running_out_and_the_balance():
    g = grant(remaining=15)
    allocation = packages.allocate(ONE_CARD, [g], available=10_000_000)
    assert allocation.draws[0].quantity == 15
    assert allocation.amount == PRICE * 3 // 4


def test_a_minute_splits_across_two_packages():
    first, second = grant(remaining=20, expires_in_days=1), credit(10_000_000)
    ordered = packages.consumption_order([second, first], "ascend-910b", 1, NOW)
    allocation = packages.allocate(ONE_CARD, ordered, available=0)
    assert [(d.package_id, d.quantity) for d in allocation.draws] == [(first.id, 20), (second.id, 400_000)]
    assert allocation.amount == allocation.shortfall == 0


def test_what_the_balance_cannot_pay_is_a_shortfall():
    assert packages.allocate(ONE_CARD, [], available=250_000) == packages.Allocation((), 250_000, 350_000)
    assert packages.allocate(ONE_CARD, [], available=-5) == packages.Allocation((), 0, PRICE)


def test_a_free_minute_uses_no_package():
    assert packages.allocate(MinuteNeed(60, 0), [grant()], available=0) == packages.Allocation((), 0, 0)


def test_apply_moves_the_remaining_and_never_below_zero():
    g = grant(remaining=100)
    grants = {g.id: g}
    for expected in (40, 0):
        allocation = packages.allocate(ONE_CARD, [g] if g.remaining else [], available=10**9)
        packages.apply(allocation, grants)
        assert g.remaining == expected


# --- admission -------------------------------------------------------------------------------------

def test_affordable_counts_packages_then_the_balance_without_touching_them():
    g = grant(remaining=120)  # two card-minutes
    assert packages.affordable(ONE_CARD, [g], available=0, minutes=2)
    assert not packages.affordable(ONE_CARD, [g], available=0, minutes=3)
    assert packages.affordable(ONE_CARD, [g], available=PRICE, minutes=3)
    assert g.remaining == 120


def test_the_overdraft_counts_as_available():
    assert packages.affordable(ONE_CARD, [], available=3 * PRICE, minutes=3)
    assert not packages.affordable(ONE_CARD, [], available=3 * PRICE - 1, minutes=3)
