import re
from decimal import Decimal

import pytest
from pydantic import BaseModel, Field, ValidationError

from contracts.jobs import Placement
from contracts.money import (
    AMOUNT_PATTERN, SIGNED_AMOUNT_PATTERN, InvalidAmount, divide, format_amount, multiply, parse_amount, parse_decimal,
)


@pytest.mark.parametrize("text,micros", [("100.00", 100_000_000), ("0.000001", 1), ("12", 12_000_000),
                                         ("0", 0), ("0.5", 500_000), ("999999999999.999999", 999_999_999_999_999_999)])
def test_parse_amount(text, micros):
    assert parse_amount(text) == micros


# Each of these reads as a number to Decimal() or int(); none is in the amount grammar.
NOT_AMOUNTS = {
    "underscore": "1_000",
    "full-width digits": "\uff15",  # ５
    "Arabic-Indic digits": "\u0661\u0662.\u0665",  # ١٢.٥
    "Devanagari digits": "\u096b",  # ५
    "plus sign": "+5",
    "surrounding spaces": " 5 ",
    "leading space": " 5",
    "trailing newline": "5\n",
    "tab": "\t5",
    "no digit before the point": ".5",
    "no digit after the point": "5.",
    "seven decimals": "0.0000001",
    "exponent": "1e3",
    "upper-case exponent": "1E3",
    "NaN": "NaN",
    "Infinity": "Infinity",
    "empty": "",
    "only a sign": "-",
    "two signs": "--5",
    "comma": "1,000.00",
    "thirteen integer digits": "1000000000000",
    "letters": "abc",
}


@pytest.mark.parametrize("text", NOT_AMOUNTS.values(), ids=NOT_AMOUNTS.keys())
def test_parse_amount_refuses_what_is_not_in_the_grammar(text):
    for signed in (False, True):
        with pytest.raises(InvalidAmount):
            parse_amount(text, signed=signed)


@pytest.mark.parametrize("text", NOT_AMOUNTS.values(), ids=NOT_AMOUNTS.keys())
def test_the_openapi_pattern_refuses_what_the_parser_refuses(text):
    class Body(BaseModel):
        amount: str = Field(pattern=AMOUNT_PATTERN)
        signed: str = Field("1", pattern=SIGNED_AMOUNT_PATTERN)

    with pytest.raises(ValidationError):
        Body(amount=text)
    with pytest.raises(ValidationError):
        Body(amount="1", signed=text)


@pytest.mark.parametrize("text", ["0", "12", "12.34", "0.000001", "-5", "-0.5"])
def test_the_pattern_and_the_parser_accept_the_same_amounts(text):
    signed = text.startswith("-")
    pattern = SIGNED_AMOUNT_PATTERN if signed else AMOUNT_PATTERN
    assert re.fullmatch(pattern, text)
    assert parse_amount(text, signed=signed) == int(Decimal(text) * 1_000_000)


def test_a_sign_is_read_only_where_the_field_is_signed():
    assert parse_amount("-2.25", signed=True) == -2_250_000
    with pytest.raises(InvalidAmount, match="cannot be negative"):
        parse_amount("-2.25")
    assert not re.fullmatch(AMOUNT_PATTERN, "-2.25")


def test_parse_amount_refuses_non_strings():
    with pytest.raises(InvalidAmount):
        parse_amount(1.5)  # type: ignore[arg-type]


def test_parse_decimal_keeps_the_written_value():
    assert parse_decimal("-0.20", signed=True) == Decimal("-0.20")


@pytest.mark.parametrize("text", ["\u0663\u0660", "\uff13\uff10.00", "+30", " 30", ".5", "1_000"])
def test_max_price_per_hour_takes_only_ascii_digits(text):
    with pytest.raises(ValidationError):
        Placement(max_price_per_hour=text)


def test_max_price_per_hour_takes_an_amount():
    assert Placement(max_price_per_hour="30.00").max_price_per_hour == "30.00"


@pytest.mark.parametrize("micros,text", [(12_340_000, "12.34"), (100_000_000, "100.00"), (233_333, "0.233333"),
                                         (0, "0.00"), (-5_000_000, "-5.00"), (1_500_000, "1.50")])
def test_format_amount(micros, text):
    assert format_amount(micros) == text


def test_round_trip_keeps_every_micro():
    for micros in (1, 999_999, 123_456_789, -42):
        assert parse_amount(format_amount(micros), signed=True) == micros


def test_multiply_and_divide_round_half_up():
    assert multiply(18_000_000, Decimal("1.20")) == 21_600_000
    assert multiply(5, Decimal("0.5")) == 3  # 2.5 rounds up
    assert divide(21_600_000, 60) == 360_000
    assert divide(100, 60) == 2  # 1.666.. -> 2
    assert divide(90, 60) == 2  # 1.5 -> 2
