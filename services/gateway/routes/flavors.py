"""The flavor catalog across vendors at sell prices, and quotes: where a job would run and what it would cost,
in the order the scheduler would try. Both are answered by the scheduler, which owns the catalog and the
placement rules; the gateway calls no vendor."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from contracts.catalog import FlavorOffer, Quotes
from contracts.jobs import JobKind
from services.gateway.openapi import UPSTREAM_UNAVAILABLE
from services.gateway.routes.deps import JobSpecBody, Tenant, ask_scheduler, job_spec

router = APIRouter(prefix="/v1", tags=["catalog"], responses=UPSTREAM_UNAVAILABLE)


class FlavorList(BaseModel):
    items: list[FlavorOffer]
    next_cursor: str | None = None


@router.get("/flavors", response_model=FlavorList)
async def list_flavors(
    request: Request, _: Tenant,
    kind: JobKind = "training",
    accelerator: Annotated[str | None, Query(max_length=32)] = None,
    count: Annotated[int | None, Query(ge=0, le=64)] = None,
) -> FlavorList:
    """Every enabled vendor's flavors for `kind`, at sell prices, cheapest first."""
    params = {"kind": kind, "accelerator": accelerator, "count": count}
    items = await ask_scheduler(request, "GET", "/internal/flavors",
                                params={k: v for k, v in params.items() if v is not None})
    return FlavorList(items=items)


@router.post("/quotes", response_model=Quotes)
async def quote(request: Request, tenant_id: Tenant, body: JobSpecBody) -> Quotes:
    """Every feasible placement of this job spec (`items`), in the order the scheduler would try them, with the
    most it can cost given `max_runtime_s`, and the prepaid package that covers it (the tenant's own, else the
    vendor account's); and every vendor or flavor left out (`excluded`), each with its reason."""
    spec = job_spec(body)
    answer = await ask_scheduler(request, "POST", "/internal/quotes",
                                 json={"tenant_id": str(tenant_id), "spec": spec.model_dump(mode="json")})
    return Quotes.model_validate(answer)
