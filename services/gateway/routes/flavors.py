"""The flavor catalog across vendors at sell prices, and quotes: where a job would run and what it
would cost, in the order the scheduler would try (the same rules, `services/vendors/selection.py`)."""

import math
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from pydantic import BaseModel

from contracts.jobs import JobKind
from contracts.money import divide, format_amount
from services.common.billing_client import BillingUnavailable
from services.common.problems import Problem
from services.gateway.routes.deps import Money, Tenant, job_spec
from services.vendors.base import VendorFlavor
from services.vendors.selection import candidates, covering_package

router = APIRouter(prefix="/v1", tags=["catalog"])


class FlavorOut(BaseModel):
    vendor: str
    flavor: str
    kind: str
    accelerator: str
    count: int
    cpu: int
    memory_gb: int
    price_per_hour: Money
    available: bool


class FlavorList(BaseModel):
    items: list[FlavorOut]
    next_cursor: str | None = None


class QuoteItem(BaseModel):
    vendor: str
    flavor: str
    price_per_hour: Money
    max_cost: Money | None
    covered_by: str | None


class QuoteList(BaseModel):
    items: list[QuoteItem]


def _unavailable() -> Problem:
    return Problem(503, "Billing unavailable", "Prices could not be read from the price book.",
                   type_="upstream-unavailable", headers={"Retry-After": "5"})


async def _priced(request: Request, kind: str, instances: int = 1) -> tuple[list[VendorFlavor], dict]:
    flavors = await request.app.state.catalog.flavors(kind)
    try:
        return flavors, await request.app.state.billing.sell_prices(flavors, instances)
    except BillingUnavailable:
        raise _unavailable() from None


@router.get("/flavors", response_model=FlavorList)
async def list_flavors(
    request: Request, _: Tenant,
    kind: JobKind = "training",
    accelerator: Annotated[str | None, Query(max_length=32)] = None,
    count: Annotated[int | None, Query(ge=0, le=64)] = None,
) -> FlavorList:
    """Every enabled vendor's flavors for `kind`, at sell prices, cheapest first."""
    flavors, prices = await _priced(request, kind)
    chosen = [f for f in flavors
              if (accelerator is None or f.accelerator == accelerator) and (count is None or f.count >= count)]
    chosen.sort(key=lambda f: (prices[(f.vendor, f.flavor_id)], f.vendor, f.flavor_id))
    return FlavorList(items=[FlavorOut(
        vendor=f.vendor, flavor=f.flavor_id, kind=f.kind, accelerator=f.accelerator, count=f.count, cpu=f.cpu,
        memory_gb=f.memory_gb, price_per_hour=Money(amount=format_amount(prices[(f.vendor, f.flavor_id)])),
        available=f.available) for f in chosen])


@router.post("/quotes", response_model=QuoteList)
async def quote(request: Request, tenant_id: Tenant, body: Annotated[dict[str, Any], Body()]) -> QuoteList:
    """Every feasible placement of this job spec, in the order the scheduler would try them, with the
    most it can cost given `max_runtime_s`, and the prepaid package that covers it (the tenant's own, else the
    vendor account's)."""
    spec = job_spec(body)
    instances = spec.replicas or 1
    flavors = await request.app.state.catalog.flavors(spec.kind)
    try:  # the scheduler's own question to billing (admission for one minute: can it start at all)
        terms = (await request.app.state.billing.placement_terms([tenant_id], flavors, instances, 1))[tenant_id]
    except BillingUnavailable:
        raise _unavailable() from None

    def price(flavor: VendorFlavor) -> int:
        return terms[(flavor.vendor, flavor.flavor_id)].sell_price_per_hour

    def package(flavor: VendorFlavor) -> str | None:
        return covering_package(flavor, terms[(flavor.vendor, flavor.flavor_id)].covered_by)

    options = candidates(flavors, spec, sell_price=price, is_covered=lambda f: package(f) is not None)
    items = []
    for flavor in options:
        max_cost = None
        if spec.max_runtime_s:
            max_cost = Money(amount=format_amount(divide(price(flavor), 60) * math.ceil(spec.max_runtime_s / 60)))
        items.append(QuoteItem(vendor=flavor.vendor, flavor=flavor.flavor_id,
                               price_per_hour=Money(amount=format_amount(price(flavor))), max_cost=max_cost,
                               covered_by=package(flavor)))
    return QuoteList(items=items)
