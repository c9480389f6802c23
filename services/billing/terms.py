"""Placement terms: what placing a job on each candidate flavor would mean for a tenant, in one answer: the sell price,
whether the tenant can pay the first minutes (admission), and the package of the tenant's that would
pay them (`covered_by`). The scheduler asks once per placement and the gateway once per quote, instead
of one price-book call plus one admission call per candidate."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from services.billing import packages, pricebook
from services.billing.packages import Grant, MinuteNeed


@dataclass(frozen=True)
class Candidate:
    vendor: str
    flavor: str
    accelerator: str
    count: int  # accelerators in all (per node x instances)
    vendor_price_per_hour: int  # micro-units, all instances


@dataclass(frozen=True)
class Terms:
    candidate: Candidate
    sell_price_per_hour: int
    sell_price_per_minute: int
    rule: str
    admitted: bool
    covered_by: uuid.UUID | None  # the tenant's package drawn first, when packages alone pay the minutes


def placement_terms(book: pricebook.PriceBook, grants: list[Grant], available: int, now: datetime,
           candidates: list[Candidate], minutes: int) -> list[Terms]:
    """`available` is the balance plus the overdraft; `minutes` 0 admits every candidate (admission off).
    Each candidate is judged alone: other running jobs draw on the same funds meanwhile."""
    answers = []
    for c in candidates:
        quote = pricebook.quote(book, vendor=c.vendor, flavor=c.flavor, accelerator=c.accelerator,
                                vendor_price_per_hour=c.vendor_price_per_hour)
        need = MinuteNeed(c.count * 60, quote.prices.per_minute)
        ordered = packages.consumption_order(grants, c.accelerator, c.count, now)
        admitted = minutes == 0 or packages.affordable(need, ordered, available, minutes)
        covered = bool(ordered) and packages.affordable(need, ordered, 0, max(minutes, 1))
        answers.append(Terms(c, quote.prices.sell_per_hour, quote.prices.per_minute, quote.rule, admitted,
                             ordered[0].id if covered else None))
    return answers
