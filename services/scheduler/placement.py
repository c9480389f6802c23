"""Placement rules, as plain functions, used by the dispatcher and by quotes alike: what a job asks for
(read once from its spec), which flavors fit it and why each other one is left out, the order they are tried
in, what a vendor's refusal means for the next step, whether a tenant's limits let a job start, and the
vendor-side name of a job."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from contracts.catalog import Exclusion, ExclusionReason, VendorFlavor
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
    # An inference service runs (and is priced) per instance, a training job per node: `instances` of the flavor.
    instances: int
    vendors: frozenset[str] | None
    exclude_vendors: frozenset[str]
    max_price_per_hour: int | None  # at sell price, for all instances
    nodes: int = 1  # training: the nodes one job runs on (a flavor must run that many)
    data_vendor: str | None = None  # the vendor whose storage holds the job's inputs or outputs

    @classmethod
    def of(cls, spec: JobSpec) -> "Wants":
        rules = spec.placement
        nodes = spec.resources.nodes
        return cls(kind=spec.kind, accelerator=spec.resources.accelerator, count=spec.resources.count,
                   instances=spec.replicas or nodes, nodes=nodes, data_vendor=spec.data_vendor,
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
    return _vendor_allowed(flavor, wants) and _within_price(wants, sell_price)


def _vendor_allowed(flavor: VendorFlavor, wants: Wants) -> bool:
    return _listed(flavor.vendor, wants)


def _listed(vendor: str, wants: Wants) -> bool:
    """The job's vendor lists allow `vendor`."""
    return (wants.vendors is None or vendor in wants.vendors) and vendor not in wants.exclude_vendors


def _within_price(wants: Wants, sell_price: int) -> bool:
    return wants.max_price_per_hour is None or sell_price <= wants.max_price_per_hour


def exclusion(flavor: VendorFlavor, wants: Wants, sell_price: int) -> ExclusionReason | None:
    """Why the job cannot use `flavor` now (None: it can). The first reason that holds, lasting ones first:
    another accelerator (or too few of it), fewer nodes than asked, a vendor the job rules out, data that lives
    on another vendor, over the job's price ceiling (at sell price, for every node), then sold out."""
    if not fits(flavor, wants):
        return "no_such_accelerator"
    if wants.nodes > flavor.max_nodes:
        return "too_few_nodes"
    if not _vendor_allowed(flavor, wants):
        return "vendor_excluded"
    if wants.data_vendor is not None and flavor.vendor != wants.data_vendor:
        return "data_elsewhere"
    if not _within_price(wants, sell_price):
        return "over_max_price"
    if not flavor.available:
        return "sold_out"
    return None


def screen(flavors: list[VendorFlavor], wants: Wants, sell_price: Callable[[VendorFlavor], int]
           ) -> tuple[list[VendorFlavor], list[Exclusion]]:
    """The flavors the job may use now, and every other one with the reason it is left out. (Exclusions here are
    built unvalidated: their values come from flavors already read, and a batch builds many.)"""
    usable: list[VendorFlavor] = []
    excluded: list[Exclusion] = []
    for flavor in flavors:
        reason = exclusion(flavor, wants, sell_price(flavor))
        if reason is None:
            usable.append(flavor)
        else:
            excluded.append(Exclusion.model_construct(vendor=flavor.vendor, flavor=flavor.flavor_id, reason=reason))
    return usable, excluded


def covering_package(flavor: VendorFlavor, tenant_package: str | None) -> str | None:
    """What already pays for running on `flavor`: the tenant's own package (its id), else the vendor
    account's prepaid package the flavor runs on ("aispace:<package id>"; AI Space sells compute so)."""
    if tenant_package is not None:
        return tenant_package
    return f"{flavor.vendor}:{flavor.prepaid_package}" if flavor.prepaid_package else None


def order(usable: list[VendorFlavor], *, sell_price: Callable[[VendorFlavor], int],
          is_covered: Callable[[VendorFlavor], bool] = lambda _: False,
          degraded: frozenset[str] = frozenset(), lost_on: frozenset[str] = frozenset()) -> list[VendorFlavor]:
    """Flavors to try, in order: vendors that lost this job before go last, and degraded vendors after
    healthy ones; then flavors a prepaid package covers first; then cheapest first, then the smaller
    flavor, then by vendor and id so the order is stable."""
    return sorted(usable, key=lambda f: (f.vendor in lost_on, f.vendor in degraded, not is_covered(f), sell_price(f),
                                         f.count, f.vendor, f.flavor_id))


def candidates(flavors: list[VendorFlavor], wants: Wants, *, sell_price: Callable[[VendorFlavor], int],
               is_covered: Callable[[VendorFlavor], bool] = lambda _: False,
               degraded: frozenset[str] = frozenset(), lost_on: frozenset[str] = frozenset()) -> list[VendorFlavor]:
    """The flavors `screen` lets through, in `order`."""
    usable, _ = screen(flavors, wants, sell_price)
    return order(usable, sell_price=sell_price, is_covered=is_covered, degraded=degraded, lost_on=lost_on)


def ever_placeable(flavors: list[VendorFlavor], wants: Wants, sell_price: Callable[[VendorFlavor], int],
                   unreadable: frozenset[str] = frozenset()) -> bool:
    """Some enabled vendor offers a flavor the job may use, sold out or not, or a vendor the job may run on could
    not be read (its flavors are unknown, so it may yet): if neither, waiting will not help and the job is
    rejected instead of queued."""
    if any(may_run_on(vendor, wants) for vendor in unreadable):
        return True
    return any(exclusion(f, wants, sell_price(f)) in (None, "sold_out") for f in flavors)


def may_run_on(vendor: str, wants: Wants) -> bool:
    """The job's vendor lists and its data allow `vendor`, whatever its flavors."""
    return _listed(vendor, wants) and wants.data_vendor in (None, vendor)


def unreadable_vendors(vendors: list[str], flavors: list[VendorFlavor]) -> list[Exclusion]:
    """The vendors running the job's kind that gave no flavors (their catalog could not be read): left out whole."""
    listed = {f.vendor for f in flavors}
    return [Exclusion(vendor=v, flavor=None, reason="vendor_degraded") for v in vendors if v not in listed]


def excluded_for_funds(options: list[VendorFlavor], admitted: list[VendorFlavor]) -> list[Exclusion]:
    """The candidates the tenant cannot pay the first minutes of."""
    ok = {(f.vendor, f.flavor_id) for f in admitted}
    return [Exclusion.model_construct(vendor=f.vendor, flavor=f.flavor_id, reason="funds") for f in options
            if (f.vendor, f.flavor_id) not in ok]


def excluded_all(options: list[VendorFlavor], reason: ExclusionReason) -> list[Exclusion]:
    """Every candidate, left out for one reason (the tenant's limits hold the whole job back)."""
    return [Exclusion.model_construct(vendor=f.vendor, flavor=f.flavor_id, reason=reason) for f in options]


def rejection_message(spec: JobSpec, excluded: list[Exclusion]) -> str:
    """Why no enabled vendor can ever run the job, for its rejection: what it asks and the reasons found."""
    reasons = sorted({e.reason for e in excluded})
    nodes = f" on {spec.resources.nodes} nodes" if spec.resources.nodes > 1 else ""
    return (f"No enabled vendor offers a {spec.kind} flavor with {spec.resources.count} x "
            f"{spec.resources.accelerator}{nodes} within the job's placement constraints"
            + (f" ({', '.join(reasons)})." if reasons else "."))


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


def exclusion_after(outcome: Outcome) -> ExclusionReason | None:
    """What a vendor's refusal of a candidate says about it, for the job's exclusions (None: not an exclusion)."""
    match outcome:
        case Outcome.CAPACITY:
            return "sold_out"
        case Outcome.QUOTA:
            return "quota"
        case Outcome.UNAVAILABLE | Outcome.RATE_LIMITED:
            return "vendor_degraded"
        case _:
            return None


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
