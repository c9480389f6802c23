"""Prepaid packages and how a minute is paid: package rules without I/O.

A package is either card-hours for one accelerator class (kept in card-seconds) or a money credit
(kept in micro-units of CNY, spent at the sell price on any accelerator). A running minute is paid
from the packages that cover the job, in consumption order — lowest priority number first, then the
one expiring first, then the oldest purchase — and only then from the balance. A minute may be split:
each package takes what it has left, and the share of the minute still uncovered goes on.
"""

import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from contracts import money

SECONDS_PER_HOUR = 3600


class Unit(StrEnum):
    CARD_SECONDS = "card_seconds"  # a card-hour package; shown as "card_hours" on the API
    MICROS = "micros"  # a money credit; shown as "CNY"


def card_seconds(card_hours: str) -> int:
    """'100' -> 360000. Refuses what is not a whole number of card-seconds."""
    hours = Decimal(money.parse_amount(card_hours)) / money.MICROS_PER_UNIT
    seconds = hours * SECONDS_PER_HOUR
    if seconds != seconds.to_integral_value() or seconds <= 0:
        raise ValueError("card_hours must be positive and a whole number of card-seconds")
    return int(seconds)


def format_card_hours(seconds: int) -> str:
    """360000 -> '100.00'; 90 -> '0.025'; rounded half-up to 6 decimals where 1/3600 does not divide."""
    return money.format_amount(money.divide(seconds * money.MICROS_PER_UNIT, SECONDS_PER_HOUR))


def api_unit(unit: Unit) -> str:
    return "card_hours" if unit is Unit.CARD_SECONDS else money.CURRENCY


def micro_quantity(unit: Unit, quantity: int) -> int:
    """A quantity in micro-units of its API unit: micro card-hours (rounded) or micro-CNY."""
    return money.divide(quantity * money.MICROS_PER_UNIT, SECONDS_PER_HOUR) if unit is Unit.CARD_SECONDS else quantity


def format_quantity(unit: Unit, quantity: int) -> str:
    return format_card_hours(quantity) if unit is Unit.CARD_SECONDS else money.format_amount(quantity)


def expiry(purchased_at: datetime, valid_days: int) -> datetime:
    return purchased_at + timedelta(days=valid_days)


@dataclass
class Grant:
    """A tenant's package as the allocator sees it; `remaining` is in the package's unit."""

    id: uuid.UUID
    unit: Unit
    accelerator: str | None
    granted: int
    remaining: int
    price: int
    priority: int
    expires_at: datetime
    purchased_at: datetime

    def covers(self, accelerator: str, count: int) -> bool:
        if self.unit is Unit.MICROS:
            return True
        return count > 0 and self.accelerator == accelerator

    def value_of(self, quantity: int) -> int:
        """What `quantity` of this package is worth in micro-units, pro rata of its price."""
        return money.divide(quantity * self.price, self.granted)

    @property
    def value_left(self) -> int:
        return self.value_of(self.remaining)


def consumption_order(grants: Iterable[Grant], accelerator: str, count: int, now: datetime) -> list[Grant]:
    usable = [g for g in grants if g.remaining > 0 and g.expires_at > now and g.covers(accelerator, count)]
    return sorted(usable, key=lambda g: (g.priority, g.expires_at, g.purchased_at, g.id))


@dataclass(frozen=True)
class MinuteNeed:
    card_seconds: int  # accelerators x 60
    price: int  # the minute's sell price, micro-units


@dataclass(frozen=True)
class Draw:
    package_id: uuid.UUID
    quantity: int  # in the package's unit
    value: int  # micro-units recognised


@dataclass(frozen=True)
class Allocation:
    draws: tuple[Draw, ...]
    amount: int  # paid from the balance
    shortfall: int  # could not be paid: owed as arrears

    @property
    def package_value(self) -> int:
        return sum(d.value for d in self.draws)


def allocate(need: MinuteNeed, ordered: Iterable[Grant], available: int) -> Allocation:
    """How one minute is paid from `ordered` (see consumption_order) and then from `available`
    balance (balance + overdraft). Does not touch the grants: apply the draws with `apply`."""
    if need.price == 0:
        return Allocation((), 0, 0)  # a free minute uses no package
    ordered = [g for g in ordered if g.remaining > 0]
    if not ordered:  # the common case, kept off the exact-fraction path below
        amount = min(need.price, max(available, 0))
        return Allocation((), amount, need.price - amount)
    first = ordered[0]
    whole = need.card_seconds if first.unit is Unit.CARD_SECONDS else need.price
    if 0 < whole <= first.remaining:  # one package pays the whole minute
        return Allocation((Draw(first.id, whole, first.value_of(whole)),), 0, 0)
    uncovered = Fraction(1)  # share of the minute still to pay
    draws = []
    for grant in ordered:
        if uncovered == 0:
            break
        whole = need.card_seconds if grant.unit is Unit.CARD_SECONDS else need.price
        if whole == 0:
            continue
        take = min(grant.remaining, math.ceil(uncovered * whole))
        if take <= 0:
            continue
        uncovered = max(Fraction(0), uncovered - Fraction(take, whole))
        draws.append(Draw(grant.id, take, grant.value_of(take)))
    owed = _round_half_up(uncovered * need.price)
    amount = min(owed, max(available, 0))
    return Allocation(tuple(draws), amount, owed - amount)


def apply(allocation: Allocation, grants: dict[uuid.UUID, Grant]) -> None:
    for draw in allocation.draws:
        grants[draw.package_id].remaining -= draw.quantity


def affordable(need: MinuteNeed, ordered: list[Grant], available: int, minutes: int) -> bool:
    """Can `minutes` minutes be paid in full from the packages and the available balance?"""
    grants = {g.id: Grant(**vars(g)) for g in ordered}  # simulate on copies
    copies = [grants[g.id] for g in ordered]
    for _ in range(minutes):
        allocation = allocate(need, copies, available)
        if allocation.shortfall:
            return False
        apply(allocation, grants)
        available -= allocation.amount
    return True


def _round_half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))
