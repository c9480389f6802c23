"""Balance and usage, answered by the billing service."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from services.gateway.proxy import forward
from services.gateway.routes.deps import Tenant, internal, settings

router = APIRouter(prefix="/v1", tags=["billing"])


@router.get("/balance")
async def balance(request: Request, tenant_id: Tenant) -> Response:
    return await forward(internal(request), "GET", f"{settings(request).billing_url}/internal/tenants/{tenant_id}/balance")


@router.get("/usage")
async def usage(request: Request, tenant_id: Tenant, job_id: uuid.UUID | None = None,
                limit: Annotated[int, Query(ge=1, le=1000)] = 500, cursor: str | None = None) -> Response:
    params = {"limit": limit} | ({"job_id": str(job_id)} if job_id else {}) | ({"cursor": cursor} if cursor else {})
    return await forward(internal(request), "GET", f"{settings(request).billing_url}/internal/tenants/{tenant_id}/usage",
                         params=params)
