"""Sell prices, frozen when a job is submitted so a later markup change never reprices a running job."""

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


def prices_for(vendor_price_per_hour: int, markup: Decimal) -> Prices:
    if vendor_price_per_hour < 0:
        raise ValueError("a vendor price cannot be negative")
    sell = money.multiply(vendor_price_per_hour, markup)
    return Prices(vendor_price_per_hour, sell, money.divide(sell, MINUTES_PER_HOUR))
