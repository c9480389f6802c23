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
