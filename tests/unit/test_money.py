from decimal import Decimal

import pytest

from contracts.money import InvalidAmount, divide, format_amount, multiply, parse_amount


@pytest.mark.parametrize("text,micros", [("100.00", 100_000_000), ("0.000001", 1), ("12", 12_000_000),
                                         (" 3.5 ", 3_500_000), ("-2.25", -2_250_000)])
def test_parse_amount(text, micros):
    assert parse_amount(text) == micros


@pytest.mark.parametrize("text", ["abc", "1e3", "NaN", "Infinity", "0.0000001", ""])
def test_parse_amount_refuses(text):
    with pytest.raises(InvalidAmount):
        parse_amount(text)


def test_parse_amount_refuses_non_strings():
    with pytest.raises(InvalidAmount):
        parse_amount(1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize("micros,text", [(12_340_000, "12.34"), (100_000_000, "100.00"), (233_333, "0.233333"),
                                         (0, "0.00"), (-5_000_000, "-5.00"), (1_500_000, "1.50")])
def test_format_amount(micros, text):
    assert format_amount(micros) == text


def test_round_trip_keeps_every_micro():
    for micros in (1, 999_999, 123_456_789, -42):
        assert parse_amount(format_amount(micros)) == micros


def test_multiply_and_divide_round_half_up():
    assert multiply(18_000_000, Decimal("1.20")) == 21_600_000
    assert multiply(5, Decimal("0.5")) == 3  # 2.5 rounds up
    assert divide(21_600_000, 60) == 360_000
    assert divide(100, 60) == 2  # 1.666.. -> 2
    assert divide(90, 60) == 2  # 1.5 -> 2
