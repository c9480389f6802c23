"""Operator endpoints (admin token) about vendors and the queue; tenants are in `tenants_admin.py`, their keys in
`api_keys.py`."""

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from contracts.jobs import JobKind

from contracts.catalog import CatalogRefreshRequested
from services.common.unit_of_work import unit_of_work
from services.gateway.openapi import UPSTREAM_UNAVAILABLE
from services.gateway.audit import AuditedRoute
from services.gateway.store import jobs
from services.gateway.auth import require_admin
from services.gateway.routes.deps import ask_scheduler, not_found, pool
from services.gateway.routes.flavors import FlavorList

router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[Depends(require_admin)], route_class=AuditedRoute)


class CatalogRefreshOut(BaseModel):
    vendor: str
    requested_at: datetime


@router.post("/vendors/{vendor}/catalog/refresh", status_code=202, response_model=CatalogRefreshOut,
             responses=UPSTREAM_UNAVAILABLE)
async def refresh_catalog(vendor: str, request: Request) -> CatalogRefreshOut:
    """Have the scheduler re-read this vendor's flavors now; what changed is announced as FlavorChanged
    events (as the periodic refresh does every SWITCHYARD_CATALOG_REFRESH_S)."""
    if vendor not in await ask_scheduler(request, "GET", "/internal/vendors"):
        raise not_found("vendor")
    command = CatalogRefreshRequested(vendor=vendor, requested_at=datetime.now(UTC))
    async with unit_of_work(pool(request)) as conn:
        await jobs.send_command(conn, command)
    return CatalogRefreshOut(vendor=vendor, requested_at=command.requested_at)


class VendorState(BaseModel):
    vendor: str
    healthy: bool = Field(description="false: unavailable or throttled lately, so tried after the healthy vendors")


class VendorStateList(BaseModel):
    items: list[VendorState]


@router.get("/vendors", response_model=VendorStateList, responses=UPSTREAM_UNAVAILABLE)
async def vendors(request: Request) -> VendorStateList:
    """Every enabled vendor and whether the scheduler sees it healthy now."""
    return VendorStateList(items=await ask_scheduler(request, "GET", "/internal/vendors/health"))


@router.get("/flavors", response_model=FlavorList, responses=UPSTREAM_UNAVAILABLE)
async def catalog(request: Request, kind: JobKind = "training") -> FlavorList:
    """The whole catalog for `kind`: every enabled vendor's flavors, available or not, at sell prices."""
    return FlavorList(items=await ask_scheduler(request, "GET", "/internal/flavors", params={"kind": kind}))


class QueuedJob(BaseModel):
    job_id: uuid.UUID
    tenant_id: uuid.UUID
    name: str
    kind: str
    priority: str
    reason: str = Field(description="no_capacity, quota or funds")
    position: int = Field(description="1 = the next job the dispatcher tries")
    created_at: datetime


class QueueList(BaseModel):
    items: list[QueuedJob]


@router.get("/queue", response_model=QueueList)
async def queue(request: Request, limit: Annotated[int, Query(ge=1, le=200)] = 50) -> QueueList:
    """The jobs waiting in Switchyard's queue, every tenant's, first to be tried first (positions as on each job:
    the read model's view of the scheduler's order)."""
    async with pool(request).acquire() as conn:
        rows = await jobs.queued_jobs(conn, limit)
    return QueueList(items=[QueuedJob(job_id=r["id"], tenant_id=r["tenant_id"], name=r["name"], kind=r["kind"],
                                      priority=r["spec"].get("priority", "normal"), reason=r["queue_reason"],
                                      position=r["position"], created_at=r["created_at"]) for r in rows])
