"""Thresholds: a notice once per crossing, re-armed when funds rise again."""

from decimal import Decimal

from services.billing import thresholds

LEVELS = (Decimal("0.20"), Decimal("0.10"))
TOPUP = 100_000_000


def test_levels_count_the_thresholds_at_or_below():
    assert [thresholds.funds_level(f, TOPUP, LEVELS) for f in (50_000_000, 20_000_000, 15_000_000, 10_000_000, -1)] \
        == [0, 1, 1, 2, 2]


def test_never_topped_up_means_no_level():
    assert thresholds.funds_level(-5, 0, LEVELS) == 0


def test_a_crossing_is_announced_once():
    first = thresholds.cross(0, 19_000_000, TOPUP, LEVELS)
    assert first == thresholds.Crossing(1, (Decimal("0.20"),))
    assert thresholds.cross(first.level, 18_000_000, TOPUP, LEVELS).crossed == ()


def test_one_minute_may_cross_two_thresholds():
    assert thresholds.cross(0, 5_000_000, TOPUP, LEVELS).crossed == LEVELS


def test_rising_funds_rearm_the_threshold():
    rearmed = thresholds.cross(2, 50_000_000, TOPUP, LEVELS)
    assert rearmed == thresholds.Crossing(0, ())
    assert thresholds.cross(rearmed.level, 9_000_000, TOPUP, LEVELS).crossed == LEVELS


def test_package_low():
    assert thresholds.package_low(720, 3600, Decimal("0.20"))
    assert not thresholds.package_low(721, 3600, Decimal("0.20"))


def test_a_top_up_becomes_the_measure_and_sets_the_level_afresh():
    # Level 2 against an old top-up of 100; a top-up of 10 with 1.5 in funds is at the 0.20 line only.
    assert thresholds.rearm(2, TOPUP, 1_500_000, LEVELS, topup=10_000_000) == (10_000_000, 1)
    assert thresholds.rearm(0, TOPUP, 1_000_000, LEVELS, topup=10_000_000) == (10_000_000, 2)


def test_other_money_rearms_but_never_raises_the_level():
    assert thresholds.rearm(2, TOPUP, 50_000_000, LEVELS, topup=None) == (TOPUP, 0)
    assert thresholds.rearm(2, TOPUP, 15_000_000, LEVELS, topup=None) == (TOPUP, 1)
    # Funds below both thresholds after a purchase: the level stays where the announcements left it.
    assert thresholds.rearm(1, TOPUP, 5_000_000, LEVELS, topup=None) == (TOPUP, 1)
