"""Which flavors may run a job, and in which order they are tried: plain functions shared by the
scheduler (placement) and the gateway (quotes), so a quote lists exactly what the scheduler would try."""

from collections.abc import Callable

from contracts.jobs import JobSpec
from contracts.money import parse_amount
from services.vendors.base import VendorFlavor


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


def covering_package(flavor: VendorFlavor, tenant_package: str | None) -> str | None:
    """What already pays for running on `flavor`: the tenant's own package (its id), else the vendor
    account's prepaid package the flavor runs on ("aispace:<package id>"; AI Space sells compute so)."""
    if tenant_package is not None:
        return tenant_package
    return f"{flavor.vendor}:{flavor.prepaid_package}" if flavor.prepaid_package else None


def candidates(flavors: list[VendorFlavor], spec: JobSpec, *, sell_price: Callable[[VendorFlavor], int],
               is_covered: Callable[[VendorFlavor], bool] = lambda _: False,
               degraded: frozenset[str] = frozenset(), lost_on: frozenset[str] = frozenset()) -> list[VendorFlavor]:
    """Flavors to try, in order: vendors that lost this job before go last, and degraded vendors after
    healthy ones; then flavors a prepaid package covers first; then cheapest first, then the smaller
    flavor, then by vendor and id so the order is stable. Sold-out flavors are left out."""
    usable = [f for f in flavors if f.available and fits(f, spec) and allowed(f, spec, sell_price(f))]
    return sorted(usable, key=lambda f: (f.vendor in lost_on, f.vendor in degraded, not is_covered(f), sell_price(f),
                                         f.count, f.vendor, f.flavor_id))


def ever_placeable(flavors: list[VendorFlavor], spec: JobSpec, sell_price: Callable[[VendorFlavor], int]) -> bool:
    """Some enabled vendor offers a flavor the job may use, sold out or not: if none does, waiting
    will not help and the job is rejected instead of queued."""
    return any(fits(f, spec) and allowed(f, spec, sell_price(f)) for f in flavors)
