"""Operator endpoints (admin token)."""

import uuid
from datetime import UTC, datetime

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from contracts.catalog import CatalogRefreshRequested
from contracts.events import TenantLimitsSet
from contracts.inputs import Int32, Text
from contracts.money import AMOUNT_PATTERN
from services.common.unit_of_work import unit_of_work
from services.gateway.store import jobs, tenants
from services.gateway.auth import hash_api_key, new_api_key, require_admin
from services.gateway.proxy import forward
from services.gateway.routes.deps import ask_scheduler, internal, not_found, pool, settings

router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[Depends(require_admin)])


class TenantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=200)


class TenantOut(BaseModel):
    id: uuid.UUID
    name: str
    api_key: str = Field(description="shown once; only its hash is stored")


class LimitsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_concurrent_jobs: Int32 | None = Field(None, ge=0, description="null = unlimited")
    max_concurrent_accelerators: Int32 | None = Field(None, ge=0, description="null = unlimited")


class CreditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: str = Field(pattern=AMOUNT_PATTERN, examples=["100.00"])


@router.post("/tenants", status_code=201, response_model=TenantOut)
async def create_tenant(body: TenantIn, request: Request) -> TenantOut:
    api_key = new_api_key()
    async with unit_of_work(pool(request)) as conn:
        tenant_id = await tenants.create_tenant(conn, body.name, hash_api_key(api_key))
    return TenantOut(id=tenant_id, name=body.name, api_key=api_key)


@router.post("/tenants/{tenant_id}/credit", responses={200: {"description": '{"balance", "currency"}'}})
async def credit_tenant(tenant_id: uuid.UUID, body: CreditIn, request: Request,
                        idempotency_key: Annotated[str | None, Header(max_length=255)] = None) -> Response:
    """Top up a tenant's balance. With an Idempotency-Key, a retried top-up credits once."""
    if not await tenants.tenant_exists(pool(request), tenant_id):
        raise not_found("tenant")
    return await forward(internal(request), "POST", f"{settings(request).billing_url}/internal/tenants/{tenant_id}/credit",
                         json=body.model_dump(), params={"idempotency_key": idempotency_key} if idempotency_key else None)


@router.put("/tenants/{tenant_id}/limits", response_model=LimitsBody)
async def set_limits(tenant_id: uuid.UUID, body: LimitsBody, request: Request) -> LimitsBody:
    """Per-tenant limits on concurrent work; a job over them waits in the queue with reason `quota`."""
    event = TenantLimitsSet(tenant_id=tenant_id, set_at=datetime.now(UTC), **body.model_dump())
    async with unit_of_work(pool(request)) as conn:
        if not await tenants.set_limits(conn, event):
            raise not_found("tenant")
    return body


@router.get("/tenants/{tenant_id}/limits", response_model=LimitsBody)
async def get_limits(tenant_id: uuid.UUID, request: Request) -> LimitsBody:
    row = await tenants.tenant(pool(request), tenant_id)
    if row is None:
        raise not_found("tenant")
    return LimitsBody(max_concurrent_jobs=row["max_concurrent_jobs"],
                      max_concurrent_accelerators=row["max_concurrent_accelerators"])


class CatalogRefreshOut(BaseModel):
    vendor: str
    requested_at: datetime


@router.post("/vendors/{vendor}/catalog/refresh", status_code=202, response_model=CatalogRefreshOut)
async def refresh_catalog(vendor: str, request: Request) -> CatalogRefreshOut:
    """Have the scheduler re-read this vendor's flavors now; what changed is announced as FlavorChanged
    events (as the periodic refresh does every SWITCHYARD_CATALOG_REFRESH_S)."""
    if vendor not in await ask_scheduler(request, "GET", "/internal/vendors"):
        raise not_found("vendor")
    command = CatalogRefreshRequested(vendor=vendor, requested_at=datetime.now(UTC))
    async with unit_of_work(pool(request)) as conn:
        await jobs.send_command(conn, command)
    return CatalogRefreshOut(vendor=vendor, requested_at=command.requested_at)
