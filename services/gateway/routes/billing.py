"""Balance, usage and statements, answered by the billing service."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query, Request, Response

from contracts.inputs import Text
from services.gateway.openapi import UPSTREAM_UNAVAILABLE
from services.gateway.proxy import forward
from services.gateway.routes.deps import Tenant, internal, settings
from services.gateway.written_time import WrittenTimestamp

# YYYY-MM as the billing service reads it: years 0001 to 9999 (a datetime has no year 0), months 01 to 12.
MONTH_PATTERN = r"^(?:[1-9]\d{3}|0[1-9]\d{2}|00[1-9]\d|000[1-9])-(?:0[1-9]|1[0-2])$"

router = APIRouter(prefix="/v1", tags=["billing"], responses=UPSTREAM_UNAVAILABLE)


@router.get("/balance", responses={200: {"description": '{"balance", "currency", "arrears", "overdraft", "packages": [...]}'}})
async def balance(request: Request, tenant_id: Tenant) -> Response:
    return await forward(internal(request), "GET", f"{settings(request).billing_url}/internal/tenants/{tenant_id}/balance")


@router.get("/usage", responses={200: {"description": "charges ({items, total, next_cursor}); with group_by, "
                                                      "{group_by, items: [{key, amount, card_hours, minutes}], total}"}})
async def usage(request: Request, tenant_id: Tenant, job_id: uuid.UUID | None = None,
                group_by: Literal["job", "day", "vendor", "accelerator", "flavor"] | None = None,
                from_: Annotated[WrittenTimestamp | None, Query(alias="from")] = None,
                to: WrittenTimestamp | None = None,
                limit: Annotated[int, Query(ge=1, le=1000)] = 500, cursor: Text | None = None) -> Response:
    optional = {"job_id": job_id, "group_by": group_by, "from": from_ and from_.isoformat(),
                "to": to and to.isoformat(), "cursor": cursor}
    params = {"limit": limit} | {k: str(v) for k, v in optional.items() if v is not None}
    return await forward(internal(request), "GET", f"{settings(request).billing_url}/internal/tenants/{tenant_id}/usage",
                         params=params)


@router.get("/statements/{month}", responses={200: {
    "description": "the month's statement (UTC); CSV with `Accept: text/csv`",
    "content": {"application/json": {}, "text/csv": {}}}})
async def statement(request: Request, tenant_id: Tenant,
                    month: Annotated[str, Path(pattern=MONTH_PATTERN, examples=["2026-11"])],
                    accept: Annotated[str | None, Header()] = None) -> Response:
    wants_csv = accept is not None and "text/csv" in accept
    return await forward(internal(request), "GET",
                         f"{settings(request).billing_url}/internal/tenants/{tenant_id}/statements/{month}",
                         params={"format": "csv" if wants_csv else "json"})
