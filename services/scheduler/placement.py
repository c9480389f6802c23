"""Placement rules, as plain functions, used by the dispatcher and by quotes alike: what a job asks for
(read once from its spec), which flavors fit it, the order they are tried in, what a vendor's refusal
means for the next step, whether a tenant's limits let a job start, and the vendor-side name of a job."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from contracts.catalog import VendorFlavor
from contracts.jobs import JobKind, JobSpec
from contracts.money import parse_amount
from services.vendors import errors


def vendor_job_name(job_id: uuid.UUID, resubmits: int = 0) -> str:
    """The vendor-side name of a job: derived from its id, so a retried submission finds the first. A job
    placed again after its vendor lost it gets a new name, so it never finds the lost one."""
    return f"sy-{job_id.hex}" + (f"-r{resubmits}" if resubmits else "")


# --------------------------------------------------------------------------- what a job asks for

@dataclass(frozen=True)
class Wants:
    """What placement reads of a job spec, parsed once per job (prices in micro-units)."""
    kind: JobKind
    accelerator: str
    count: int  # accelerators per instance
    instances: int  # an inference service runs (and is priced) per instance
    vendors: frozenset[str] | None
    exclude_vendors: frozenset[str]
    max_price_per_hour: int | None  # at sell price, for all instances

    @classmethod
    def of(cls, spec: JobSpec) -> "Wants":
        rules = spec.placement
        return cls(kind=spec.kind, accelerator=spec.resources.accelerator, count=spec.resources.count,
                   instances=spec.replicas or 1,
                   vendors=frozenset(rules.vendors) if rules.vendors is not None else None,
                   exclude_vendors=frozenset(rules.exclude_vendors),
                   max_price_per_hour=parse_amount(rules.max_price_per_hour) if rules.max_price_per_hour is not None else None)

    @property
    def accelerators(self) -> int:
        return self.count * self.instances


# --------------------------------------------------------------------------- which flavors, in which order

def fits(flavor: VendorFlavor, wants: Wants) -> bool:
    """The flavor runs this kind with the requested accelerator class, at least `count` of them."""
    return flavor.kind == wants.kind and flavor.accelerator == wants.accelerator and flavor.count >= wants.count


def allowed(flavor: VendorFlavor, wants: Wants, sell_price: int) -> bool:
    """The job's own placement constraints: vendor lists and a price ceiling (at sell price)."""
    if wants.vendors is not None and flavor.vendor not in wants.vendors:
        return False
    if flavor.vendor in wants.exclude_vendors:
        return False
    return wants.max_price_per_hour is None or sell_price <= wants.max_price_per_hour


def covering_package(flavor: VendorFlavor, tenant_package: str | None) -> str | None:
    """What already pays for running on `flavor`: the tenant's own package (its id), else the vendor
    account's prepaid package the flavor runs on ("aispace:<package id>"; AI Space sells compute so)."""
    if tenant_package is not None:
        return tenant_package
    return f"{flavor.vendor}:{flavor.prepaid_package}" if flavor.prepaid_package else None


def candidates(flavors: list[VendorFlavor], wants: Wants, *, sell_price: Callable[[VendorFlavor], int],
               is_covered: Callable[[VendorFlavor], bool] = lambda _: False,
               degraded: frozenset[str] = frozenset(), lost_on: frozenset[str] = frozenset()) -> list[VendorFlavor]:
    """Flavors to try, in order: vendors that lost this job before go last, and degraded vendors after
    healthy ones; then flavors a prepaid package covers first; then cheapest first, then the smaller
    flavor, then by vendor and id so the order is stable. Sold-out flavors are left out."""
    usable = [f for f in flavors if f.available and fits(f, wants) and allowed(f, wants, sell_price(f))]
    return sorted(usable, key=lambda f: (f.vendor in lost_on, f.vendor in degraded, not is_covered(f), sell_price(f),
                                         f.count, f.vendor, f.flavor_id))


def ever_placeable(flavors: list[VendorFlavor], wants: Wants, sell_price: Callable[[VendorFlavor], int]) -> bool:
    """Some enabled vendor offers a flavor the job may use, sold out or not: if none does, waiting
    will not help and the job is rejected instead of queued."""
    return any(fits(f, wants) and allowed(f, wants, sell_price(f)) for f in flavors)


# --------------------------------------------------------------------------- what a refusal means

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
class Reaction:
    """What the dispatcher does after a vendor refused a job."""
    reject: str | None = None  # the job's rejection reason; None: try the next candidate
    degrade_vendor: bool = False  # try the vendor after the healthy ones for a while
    credentials_refused: bool = False  # announce the vendor's health as auth_failed
    reread_catalog: bool = False  # the vendor's sold-out flags are stale


def reaction_to(outcome: Outcome) -> Reaction:
    match outcome:
        case Outcome.CAPACITY:
            return Reaction(reread_catalog=True)
        case Outcome.UNAVAILABLE | Outcome.RATE_LIMITED:
            return Reaction(degrade_vendor=True)
        case Outcome.INVALID:
            return Reaction(reject="invalid_request")
        case Outcome.AUTH:
            return Reaction(reject="vendor_auth_failed", credentials_refused=True)
        case _:
            return Reaction()


def waiting_reason(options: list[VendorFlavor], admitted: list[VendorFlavor]) -> str:
    """Why a job that no vendor took waits: for funds (nothing it can pay), else for capacity."""
    return "funds" if options and not admitted else "no_capacity"


# --------------------------------------------------------------------------- tenant limits

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
