"""The flavor catalog at sell prices and quotes, for the gateway's `GET /v1/flavors` and `POST /v1/quotes`, and
the vendors' health for the operator's `GET /v1/admin/vendors`.

Both are answered from the scheduler's own catalog with its own placement rules, so a quote lists exactly what
the dispatcher would try, in its order (degraded vendors last included), and the gateway calls no vendor.
"""

import math
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict

from contracts.catalog import FlavorOffer, PlacementQuote, Quotes, VendorFlavor
from contracts.jobs import JobKind, JobSpec
from contracts.money import Money, divide, format_amount
from services.common.problems import Problem
from services.scheduler.billing_client import BillingUnavailable
from services.scheduler.placement import (
    Wants, covering_package, excluded_for_funds, order, screen, unreadable_vendors,
)

router = APIRouter(prefix="/internal")


class QuoteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tenant_id: uuid.UUID
    spec: JobSpec


def _money(micros: int) -> Money:
    return Money(amount=format_amount(micros))


def _billing_unavailable() -> Problem:
    return Problem(503, "Billing unavailable", "Prices could not be read from the price book.",
                   type_="upstream-unavailable", headers={"Retry-After": "5"})


@router.get("/vendors")
async def list_vendors(request: Request) -> list[str]:
    """The vendors the scheduler places on."""
    return request.app.state.catalog.vendors


class VendorState(BaseModel):
    vendor: str
    healthy: bool  # False: it was unavailable or throttled lately, and is tried after the healthy ones


@router.get("/vendors/health")
async def vendors_health(request: Request) -> list[VendorState]:
    """Each enabled vendor and whether this scheduler sees it healthy now (`health.VendorHealth`)."""
    degraded = request.app.state.health.degraded()
    return [VendorState(vendor=v, healthy=v not in degraded) for v in request.app.state.catalog.vendors]


@router.get("/flavors")
async def list_flavors(
    request: Request,
    kind: JobKind = "training",
    accelerator: Annotated[str | None, Query(max_length=32)] = None,
    count: Annotated[int | None, Query(ge=0, le=64)] = None,
) -> list[FlavorOffer]:
    """Every enabled vendor's flavors for `kind` at sell prices, cheapest first."""
    flavors = await request.app.state.catalog.flavors(request.app.state.runtime.pool, kind)
    chosen = [f for f in flavors
              if (accelerator is None or f.accelerator == accelerator) and (count is None or f.count >= count)]
    try:
        prices = await request.app.state.billing.sell_prices(chosen)
    except BillingUnavailable:
        raise _billing_unavailable() from None
    chosen.sort(key=lambda f: (prices[(f.vendor, f.flavor_id)], f.vendor, f.flavor_id))
    return [FlavorOffer(vendor=f.vendor, flavor=f.flavor_id, kind=f.kind, accelerator=f.accelerator, count=f.count,
                        cpu=f.cpu, memory_gb=f.memory_gb, available=f.available, max_nodes=f.max_nodes,
                        price_per_hour=_money(prices[(f.vendor, f.flavor_id)])) for f in chosen]


@router.post("/quotes")
async def quote(request: Request, body: QuoteRequest) -> Quotes:
    """Every feasible placement of this job spec, in the order the dispatcher would try them, with the most
    it can cost given `max_runtime_s` and the prepaid package that covers it (the tenant's own, else the vendor
    account's); and every vendor or flavor left out, with the reason. Billing answers as it does for the
    dispatcher, with admission for one minute of every node: a flavor the tenant cannot pay is left out (`funds`)."""
    wants = Wants.of(body.spec)
    catalog = request.app.state.catalog
    flavors = await catalog.flavors(request.app.state.runtime.pool, wants.kind)
    try:
        terms = (await request.app.state.billing.placement_terms(
            [body.tenant_id], flavors, wants.instances, 1))[body.tenant_id]
    except BillingUnavailable:
        raise _billing_unavailable() from None

    def price(flavor: VendorFlavor) -> int:
        return terms[(flavor.vendor, flavor.flavor_id)].sell_price_per_hour

    def package(flavor: VendorFlavor) -> str | None:
        return covering_package(flavor, terms[(flavor.vendor, flavor.flavor_id)].covered_by)

    usable, excluded = screen(flavors, wants, price)
    options = order(usable, sell_price=price, is_covered=lambda f: package(f) is not None,
                    degraded=request.app.state.health.degraded())
    admitted = [f for f in options if terms[(f.vendor, f.flavor_id)].admitted]
    excluded += excluded_for_funds(options, admitted)
    excluded = unreadable_vendors(catalog.vendors_running(wants.kind), flavors) + excluded
    minutes = math.ceil(body.spec.max_runtime_s / 60) if body.spec.max_runtime_s else None
    return Quotes(items=[PlacementQuote(vendor=f.vendor, flavor=f.flavor_id, price_per_hour=_money(price(f)),
                                        max_cost=_money(divide(price(f), 60) * minutes) if minutes else None,
                                        covered_by=package(f)) for f in admitted],
                  excluded=excluded)
