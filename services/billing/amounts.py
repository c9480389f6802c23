"""Amounts as callers write them ("12.34"), read into micro-units within the bounds billing accepts.
Every refusal is a ValueError (money.InvalidAmount is one too), which settings and request bodies
report as invalid input.

All three read the one amount grammar (`contracts.money`). Only `signed` takes a sign as part of the
value; `non_negative` and `positive` read a leading '-' only to refuse it with the field's own reason
("a price cannot be negative") rather than the grammar's. The request models put the unsigned pattern
(`money.AMOUNT_PATTERN`) on those fields and the signed one on adjustments."""

from contracts import money

MAX_AMOUNT = money.parse_amount("1000000000")  # far below bigint overflow, far above any real top-up


def non_negative(value: str, refusal: str) -> int:
    micros = money.parse_amount(value, signed=True)
    if micros < 0:
        raise ValueError(refusal)
    return micros


def positive(value: str, limit: int = MAX_AMOUNT) -> int:
    micros = money.parse_amount(value, signed=True)
    if not 0 < micros <= limit:
        raise ValueError(f"amount must be > 0 and at most {money.format_amount(limit)}")
    return micros


def signed(value: str, refusal: str, limit: int = MAX_AMOUNT) -> int:
    """A non-zero amount of either sign, at most `limit` either way."""
    micros = money.parse_amount(value, signed=True)
    if micros == 0 or abs(micros) > limit:
        raise ValueError(refusal)
    return micros
