"""Placement rules, as plain functions: which flavors may run a job, in which order to try them,
what a vendor's refusal means, and whether a tenant's limits let a job start."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from contracts.jobs import JobSpec
from contracts.money import parse_amount
from services.vendors import errors
from services.vendors.base import VendorFlavor


def vendor_job_name(job_id: uuid.UUID) -> str:
    """The vendor-side name of a job: derived from its id, so a retried submission finds the first."""
    return f"sy-{job_id.hex}"


def fits(flavor: VendorFlavor, spec: JobSpec) -> bool:
    """The flavor runs this kind with the requested accelerator class, at least `count` of them."""
    return (flavor.kind == spec.kind and flavor.accelerator == spec.resources.accelerator
            and flavor.count >= spec.resources.count)


def allowed(flavor: VendorFlavor, spec: JobSpec, sell_price: int) -> bool:
    """The job's own placement constraints: vendor lists and a price ceiling (at sell price)."""
    rules = spec.placement
    if rules.vendors is not None and flavor.vendor not in rules.vendors:
        return False
    if flavor.vendor in rules.exclude_vendors:
        return False
    return rules.max_price_per_hour is None or sell_price <= parse_amount(rules.max_price_per_hour)


def candidates(flavors: list[VendorFlavor], spec: JobSpec, *, sell_price: Callable[[VendorFlavor], int],
               degraded: frozenset[str] = frozenset()) -> list[VendorFlavor]:
    """Flavors to try, in order: healthy vendors before degraded ones, then cheapest first, then the
    smaller flavor, then by vendor and id so the order is stable. Sold-out flavors are left out."""
    usable = [f for f in flavors if f.available and fits(f, spec) and allowed(f, spec, sell_price(f))]
    return sorted(usable, key=lambda f: (f.vendor in degraded, sell_price(f), f.count, f.vendor, f.flavor_id))


def ever_placeable(flavors: list[VendorFlavor], spec: JobSpec, sell_price: Callable[[VendorFlavor], int]) -> bool:
    """Some enabled vendor offers a flavor the job may use, sold out or not: if none does, waiting
    will not help and the job is rejected instead of queued."""
    return any(fits(f, spec) and allowed(f, spec, sell_price(f)) for f in flavors)


class Outcome(StrEnum):
    SUBMITTED = "submitted"
    CAPACITY = "capacity"  # sold out or no free resources: next candidate at once
    QUOTA = "quota"  # the vendor account's quota: next candidate at once
    UNAVAILABLE = "unavailable"  # vendor down: next candidate, vendor degraded for a while
    RATE_LIMITED = "rate_limited"  # throttled: next candidate, vendor degraded for a while
    INVALID = "invalid"  # the vendor refuses the request itself: reject the job with its message
    AUTH = "auth"  # our credentials were refused: reject, and report the vendor's health


def classify(error: errors.VendorError) -> Outcome:
    match error:
        case errors.CapacityUnavailable():
            return Outcome.CAPACITY
        case errors.QuotaExceeded():
            return Outcome.QUOTA
        case errors.RateLimited():
            return Outcome.RATE_LIMITED
        case errors.AuthFailed():
            return Outcome.AUTH
        case errors.InvalidRequest() | errors.NotFound() | errors.WrongState():
            return Outcome.INVALID
        case _:
            return Outcome.UNAVAILABLE


@dataclass(frozen=True)
class Limits:
    max_concurrent_jobs: int | None = None
    max_concurrent_accelerators: int | None = None


def within_limits(limits: Limits, running_jobs: int, running_accelerators: int, accelerators: int) -> bool:
    """Whether one more job using `accelerators` keeps the tenant within its limits."""
    if limits.max_concurrent_jobs is not None and running_jobs + 1 > limits.max_concurrent_jobs:
        return False
    return (limits.max_concurrent_accelerators is None
            or running_accelerators + accelerators <= limits.max_concurrent_accelerators)
