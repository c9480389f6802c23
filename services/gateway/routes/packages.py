"""Prepaid packages: the offers, buying one from the balance, the tenant's packages (billing owns them)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from pydantic import BaseModel, ConfigDict

from services.gateway.openapi import UPSTREAM_UNAVAILABLE
from services.gateway.paging import Cursor, Limit, paging
from services.gateway.proxy import forward
from services.gateway.routes.deps import Tenant, internal, settings

router = APIRouter(prefix="/v1", tags=["packages"], responses=UPSTREAM_UNAVAILABLE)


class PurchaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    offer_id: uuid.UUID


@router.get("/package-offers", responses={200: {"description": '{"items": [{"id", "name", "accelerator", '
                                                              '"card_hours" | "credit", "price", "valid_days"}], '
                                                              '"next_cursor"}, newest first'}})
async def package_offers(request: Request, tenant_id: Tenant, limit: Limit = 50, cursor: Cursor = None) -> Response:
    return await forward(internal(request), "GET", f"{settings(request).billing_url}/internal/package-offers",
                         params=paging(limit, cursor))


@router.post("/packages", status_code=201, responses={
    201: {"description": '{"id", "offer_id", "accelerator", "unit", "granted", "remaining", "expires_at"}'},
    402: {"description": "the balance is short of the price (problem+json)"},
    404: {"description": "not-found: no package offer with that id"}})
async def buy_package(body: PurchaseIn, request: Request, tenant_id: Tenant,
                      idempotency_key: Annotated[str | None, Header(max_length=255)] = None) -> Response:
    """Paid from the balance. The same Idempotency-Key buys one package, however often it is sent."""
    return await forward(internal(request), "POST", f"{settings(request).billing_url}/internal/tenants/{tenant_id}/packages",
                         json=body.model_dump(mode="json"),
                         params={"idempotency_key": idempotency_key} if idempotency_key else None)


@router.get("/packages", responses={200: {"description": '{"items": [package, ...], "next_cursor"}, newest first'}})
async def list_packages(request: Request, tenant_id: Tenant, limit: Limit = 50, cursor: Cursor = None) -> Response:
    return await forward(internal(request), "GET", f"{settings(request).billing_url}/internal/tenants/{tenant_id}/packages",
                         params=paging(limit, cursor))
