"""Money as exact integer micro-units (1e-6 of the currency); decimal strings only at the edges."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from pydantic import BaseModel, Field

MICROS_PER_UNIT = 1_000_000
CURRENCY = "CNY"


class InvalidAmount(ValueError):
    pass


def parse_amount(text: str) -> int:
    """'12.34' -> 12_340_000. Refuses floats' cousins: exponents, NaN, more than 6 decimals."""
    if not isinstance(text, str):
        raise InvalidAmount("amount must be a decimal string such as \"100.00\"")
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InvalidAmount(f"not a decimal amount: {text!r}") from None
    if not value.is_finite() or "e" in text.lower():
        raise InvalidAmount(f"not a plain decimal amount: {text!r}")
    micros = value * MICROS_PER_UNIT
    if micros != micros.to_integral_value():
        raise InvalidAmount(f"at most 6 decimal places: {text!r}")
    return int(micros)


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
