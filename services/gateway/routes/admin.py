"""Operator endpoints (admin token) about vendors; tenants are in `tenants_admin.py`, their keys in `api_keys.py`."""

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from contracts.catalog import CatalogRefreshRequested
from services.common.unit_of_work import unit_of_work
from services.gateway.openapi import UPSTREAM_UNAVAILABLE
from services.gateway.audit import AuditedRoute
from services.gateway.store import jobs
from services.gateway.auth import require_admin
from services.gateway.routes.deps import ask_scheduler, not_found, pool

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
