"""Money as exact integer micro-units (1e-6 of the currency); decimal strings only at the edges.

One grammar for every amount a caller writes, used both by `parse_amount` and by the request models'
`Field(pattern=...)` (so the OpenAPI documents say what the code accepts): ASCII digits only, at least
one before the point, at most six after it, no spaces, no `+`, no `_`, no exponent. A leading `-` only
where a sign means something (an adjustment); everywhere else the unsigned pattern applies.
At most 12 digits before the point keeps every amount's micro-units inside a PostgreSQL bigint.

`[0-9]`, not `\\d`: pydantic's regex engine and Python's `re` both read `\\d` as any Unicode digit
("٥", "５"). The patterns are anchored with `^...$` for the OpenAPI documents and pydantic (whose Rust
engine reads `$` as the end of the text); the parser uses `fullmatch`, so a trailing newline is refused too.
"""

import re
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, Field

MICROS_PER_UNIT = 1_000_000
CURRENCY = "CNY"
DECIMALS = 6

_DIGITS = r"[0-9]{1,12}(\.[0-9]{1,6})?"
AMOUNT_PATTERN = rf"^{_DIGITS}$"
SIGNED_AMOUNT_PATTERN = rf"^-?{_DIGITS}$"

_AMOUNT = re.compile(AMOUNT_PATTERN)
_SIGNED_AMOUNT = re.compile(SIGNED_AMOUNT_PATTERN)


class InvalidAmount(ValueError):
    pass


def parse_decimal(text: str, *, signed: bool = False) -> Decimal:
    """The exact value of a string in the amount grammar; InvalidAmount says what is wrong."""
    if not isinstance(text, str):
        raise InvalidAmount("amount must be a decimal string such as \"100.00\"")
    if (_SIGNED_AMOUNT if signed else _AMOUNT).fullmatch(text):
        return Decimal(text)
    if not signed and _SIGNED_AMOUNT.fullmatch(text):
        raise InvalidAmount(f"amount cannot be negative here: {text!r}")
    raise InvalidAmount(f"not an amount: {text!r}; write ASCII digits with at most {DECIMALS} decimals "
                        f"and a digit before the point, such as \"12.34\"")


def parse_amount(text: str, *, signed: bool = False) -> int:
    """'12.34' -> 12_340_000, in the grammar above; `signed` admits a leading '-'."""
    return int(parse_decimal(text, signed=signed) * MICROS_PER_UNIT)


def format_amount(micros: int) -> str:
    """12_340_000 -> '12.34'; keeps every significant micro digit: 233_333 -> '0.233333'."""
    value = (Decimal(micros) / MICROS_PER_UNIT).normalize()
    if value == value.to_integral_value() or -value.as_tuple().exponent < 2:
        return f"{value:.2f}"
    return f"{value:f}"


def multiply(micros: int, factor: Decimal) -> int:
    """Exact product rounded half-up to a whole micro-unit."""
    return int((Decimal(micros) * factor).to_integral_value(rounding=ROUND_HALF_UP))


def divide(micros: int, divisor: int) -> int:
    return int((Decimal(micros) / divisor).to_integral_value(rounding=ROUND_HALF_UP))


class Money(BaseModel):
    """An amount as the HTTP APIs show it: a decimal string in `currency` (never a float)."""

    amount: str = Field(examples=["12.34"])
    currency: str = CURRENCY
