"""Billing's Prometheus families: the metered minutes it rated, how long after a minute began it was charged,
and what those minutes brought in and cost, per vendor (micro-units of the currency, summed as integers).

A batch's figures are tallied while it is booked and counted only once its transaction has committed, so a
batch rolled back and booked again is counted once."""

from dataclasses import dataclass, field
from datetime import datetime

from prometheus_client import Counter, Histogram

MINUTES_RATED = Counter("switchyard_usage_minutes_rated_total", "Metered usage minutes charged.")
RATING_LAG = Histogram("switchyard_rating_lag_seconds", "From the start of a metered minute to its charge.",
                       buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300))
REVENUE = Counter("switchyard_revenue_micros_total", "What rated minutes charged tenants, in micro-units.", ["vendor"])
VENDOR_COST = Counter("switchyard_vendor_cost_micros_total", "What rated minutes cost on their vendor, in micro-units.",
                      ["vendor"])


@dataclass
class Tally:
    minutes: int = 0
    lags_s: list[float] = field(default_factory=list)
    revenue: dict[str, int] = field(default_factory=dict)
    cost: dict[str, int] = field(default_factory=dict)

    def add_charges(self, vendors: list[str], charged: list[int], costs: list[int]) -> None:
        self.minutes += len(vendors)
        for vendor, amount, cost in zip(vendors, charged, costs, strict=True):
            self.revenue[vendor] = self.revenue.get(vendor, 0) + amount
            self.cost[vendor] = self.cost.get(vendor, 0) + cost

    def add_lags(self, minutes_at: list[datetime], charged_at: datetime) -> None:
        self.lags_s += [max((charged_at - at).total_seconds(), 0.0) for at in minutes_at]

    def record(self) -> None:
        """After the batch's commit."""
        MINUTES_RATED.inc(self.minutes)
        for lag in self.lags_s:
            RATING_LAG.observe(lag)
        for vendor, amount in self.revenue.items():
            REVENUE.labels(vendor).inc(amount)
        for vendor, cost in self.cost.items():
            VENDOR_COST.labels(vendor).inc(cost)
