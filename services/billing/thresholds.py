"""Funds thresholds, announced once per crossing rather than once per minute.

A tenant's funds are its balance plus the value left in its packages. Its level is how many of the
thresholds (fractions of the last top-up, highest first) the funds are at or below. A notice goes out
for each threshold newly crossed downwards; the stored level then moves, so the next minute below the
same threshold says nothing. Funds rising again (a top-up, a refund) lower the level and re-arm them.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from contracts import money


def funds_level(funds: int, last_topup: int, thresholds: Sequence[Decimal]) -> int:
    if last_topup <= 0:
        return 0  # never topped up: nothing to measure against
    return sum(1 for fraction in thresholds if funds <= money.multiply(last_topup, fraction))


@dataclass(frozen=True)
class Crossing:
    level: int  # the level to store
    crossed: tuple[Decimal, ...]  # thresholds to announce, highest first


def cross(previous_level: int, funds: int, last_topup: int, thresholds: Sequence[Decimal]) -> Crossing:
    level = funds_level(funds, last_topup, thresholds)
    return Crossing(level, tuple(thresholds[previous_level:level]) if level > previous_level else ())


def package_low(remaining: int, granted: int, fraction: Decimal) -> bool:
    return remaining <= money.multiply(granted, fraction)


def rearm(level: int, last_topup: int, funds: int, thresholds: Sequence[Decimal], *,
          topup: int | None) -> tuple[int, int]:
    """(last_topup, level) to store once money came in and the tenant has `funds`. A top-up (`topup`)
    is what the thresholds measure against from now on, and sets the level afresh; other money (a
    refund, an adjustment, arrears settled) only re-arms thresholds, it never raises the level."""
    if topup is not None:
        return topup, funds_level(funds, topup, thresholds)
    return last_topup, min(funds_level(funds, last_topup, thresholds), level)
