"""Operator billing endpoints (admin token): package offers, the price book, adjustments, voids,
margins and billing's audit trail, answered by the billing service."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from contracts.billing_admin import PackageOfferShape, PriceBookShape
from contracts.inputs import Text

from contracts.money import SIGNED_AMOUNT_PATTERN
from services.gateway.openapi import UPSTREAM_UNAVAILABLE
from services.gateway.store import tenants
from services.gateway.audit import AuditedRoute
from services.gateway.auth import require_admin
from services.gateway.proxy import forward
from services.gateway.routes.deps import internal, not_found, pool, settings

router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[Depends(require_admin)],
                   responses=UPSTREAM_UNAVAILABLE,
                   route_class=AuditedRoute)


def _billing(request: Request, path: str) -> str:
    return f"{settings(request).billing_url}/internal/admin{path}"


OFFER_EXAMPLES = {
    "card-hours": {"value": {"name": "910B starter", "accelerator": "ascend-910b", "card_hours": "100",
                             "price": "900.00", "valid_days": 30}},
    "credit": {"value": {"name": "500 credit", "credit": "500.00", "price": "450.00", "valid_days": 90}},
}


@router.post("/package-offers", status_code=201)
async def create_offer(request: Request,
                       body: Annotated[PackageOfferShape, Body(openapi_examples=OFFER_EXAMPLES)]) -> Response:
    """A card-hour package for one accelerator class, or a money credit; `priority` (default 0, lower
    first) orders consumption before the expiry does."""
    return await forward(internal(request), "POST", _billing(request, "/package-offers"),
                         json=body.model_dump(exclude_unset=True))


@router.get("/package-offers")
async def all_offers(request: Request) -> Response:
    return await forward(internal(request), "GET", _billing(request, "/package-offers"))


class OfferPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    active: bool


@router.patch("/package-offers/{offer_id}")
async def patch_offer(offer_id: uuid.UUID, body: OfferPatch, request: Request) -> Response:
    return await forward(internal(request), "PATCH", _billing(request, f"/package-offers/{offer_id}"),
                         json=body.model_dump())


@router.put("/price-book")
async def put_price_book(request: Request, body: Annotated[PriceBookShape, Body(openapi_examples={"book": {"value": {
        "markup": {"default": "0.20", "vendors": {"modelarts": "0.25"}, "accelerators": {"ascend-910b": "0.15"}},
        "overrides": {"modelarts/modelarts.vm.snt9.1card": "20.00"}}}})]) -> Response:
    """Sell price = override for `<vendor>/<flavor>` (per hour), else vendor price x (1 + markup) with the
    accelerator's markup, else the vendor's, else the default. Applies to jobs submitted from now on."""
    return await forward(internal(request), "PUT", _billing(request, "/price-book"),
                         json=body.model_dump(exclude_unset=True))


@router.get("/price-book")
async def get_price_book(request: Request) -> Response:
    return await forward(internal(request), "GET", _billing(request, "/price-book"))


class AdjustmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: str = Field(pattern=SIGNED_AMOUNT_PATTERN, examples=["-5.00"],
                        description="signed: positive credits the tenant, negative debits it")
    reason: Text = Field(examples=["goodwill for the outage on 2026-11-03"])
    kind: Text | None = Field(None, description="credit, debit or refund; defaults from the sign")


@router.post("/tenants/{tenant_id}/adjustments", status_code=201)
async def adjust(tenant_id: uuid.UUID, body: AdjustmentIn, request: Request,
                 idempotency_key: Annotated[str | None, Header(max_length=255)] = None) -> Response:
    if not await tenants.tenant_exists(pool(request), tenant_id):
        raise not_found("tenant")
    return await forward(internal(request), "POST", _billing(request, f"/tenants/{tenant_id}/adjustments"),
                         json=body.model_dump(exclude_none=True),
                         params={"idempotency_key": idempotency_key} if idempotency_key else None)


class VoidIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Text


@router.post("/charges/{charge_id}/void", status_code=201)
async def void_charge(charge_id: uuid.UUID, body: VoidIn, request: Request) -> Response:
    """Gives the charge back with a `void` row; the charge itself is never edited."""
    return await forward(internal(request), "POST", _billing(request, f"/charges/{charge_id}/void"),
                         json=body.model_dump())


@router.get("/margins")
async def margins(request: Request, month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", examples=["2026-11"])]) -> Response:
    return await forward(internal(request), "GET", _billing(request, "/margins"), params={"month": month})


@router.get("/billing-audit")
async def billing_audit(request: Request, tenant_id: uuid.UUID | None = None,
                        limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> Response:
    """Billing's own trail of money actions (adjustments, voids, offers, the price book), with their amounts;
    every operator action, these too, is in the gateway's audit log at `GET /v1/admin/audit`."""
    params = {"limit": limit} | ({"tenant_id": str(tenant_id)} if tenant_id else {})
    return await forward(internal(request), "GET", _billing(request, "/audit"), params=params)
