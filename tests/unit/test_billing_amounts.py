"""Amounts as callers write them: read into micro-units, refused outside billing's bounds."""

import pytest

from services.billing import amounts


def test_a_non_negative_amount_is_read_and_a_negative_one_refused_with_its_reason():
    assert amounts.non_negative("0", "no") == 0
    assert amounts.non_negative("12.34", "no") == 12_340_000
    with pytest.raises(ValueError, match="a price cannot be negative"):
        amounts.non_negative("-0.01", "a price cannot be negative")


@pytest.mark.parametrize("value", ["0", "-1", "1000000000.01", "abc"])
def test_a_positive_amount_is_above_zero_and_at_most_the_limit(value):
    with pytest.raises(ValueError):
        amounts.positive(value)


def test_the_limit_itself_is_a_positive_amount():
    assert amounts.positive("1000000000") == amounts.MAX_AMOUNT


@pytest.mark.parametrize("value, micros", [("-5", -5_000_000), ("0.000001", 1), ("-1000000000", -amounts.MAX_AMOUNT)])
def test_a_signed_amount_may_be_negative(value, micros):
    assert amounts.signed(value, "no") == micros


@pytest.mark.parametrize("value", ["0", "1000000000.000001", "-1000000000.000001"])
def test_a_signed_amount_is_never_zero_nor_past_the_limit(value):
    with pytest.raises(ValueError, match="non-zero"):
        amounts.signed(value, "an adjustment is a non-zero amount of at most 1000000000")
