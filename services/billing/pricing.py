"""Sell prices, frozen when a job is submitted so a later price-book change never reprices a running job."""

from dataclasses import dataclass
from decimal import Decimal

from contracts import money

MINUTES_PER_HOUR = 60


@dataclass(frozen=True)
class Prices:
    """Micro-units of CNY. The vendor's flavor price already covers the flavor's accelerators."""

    vendor_per_hour: int
    sell_per_hour: int
    per_minute: int
    vendor_per_minute: int


def prices_at(vendor_price_per_hour: int, sell_price_per_hour: int) -> Prices:
    if vendor_price_per_hour < 0 or sell_price_per_hour < 0:
        raise ValueError("a price cannot be negative")
    return Prices(vendor_price_per_hour, sell_price_per_hour,
                  money.divide(sell_price_per_hour, MINUTES_PER_HOUR),
                  money.divide(vendor_price_per_hour, MINUTES_PER_HOUR))


def prices_for(vendor_price_per_hour: int, markup: Decimal) -> Prices:
    """`markup` is a multiplier: 1.20 sells at the vendor price plus 20 %."""
    if vendor_price_per_hour < 0:
        raise ValueError("a vendor price cannot be negative")
    return prices_at(vendor_price_per_hour, money.multiply(vendor_price_per_hour, markup))
