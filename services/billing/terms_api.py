"""`POST /internal/tenants/{tenant_id}/placement-terms`: prices, admission and covering packages for a
list of candidate flavors (services/billing/terms.py), for the scheduler and the gateway."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, ConfigDict, Field

from contracts import money
from services.billing import ledger, store, terms
from services.billing.api import _price  # one parser for prices on every internal route
from services.billing.handlers import price_book, policy_from
from services.billing.config import get_billing_settings

router = APIRouter()


class CandidateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vendor: str = Field(max_length=64)
    flavor: str = Field(max_length=256)
    accelerator: str = Field(max_length=64)
    count: int = Field(ge=0, le=100_000, description="accelerators in all (per node x instances)")
    vendor_price_per_hour: str = Field(description="all instances, e.g. \"18.00\"")


class TermsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    minutes: int = Field(ge=0, le=1440, description="first minutes the tenant must be able to pay; 0: no admission")
    candidates: list[CandidateIn] = Field(max_length=10_000)


class TermsOut(BaseModel):
    vendor: str
    flavor: str
    sell_price_per_hour: str
    sell_price_per_minute: str
    rule: str
    admitted: bool
    covered_by: uuid.UUID | None = Field(description="the tenant's package that would pay the first minutes")
    currency: str = money.CURRENCY



@router.post("/internal/tenants/{tenant_id}/placement-terms")
async def tenant_placement_terms(tenant_id: uuid.UUID, request: Request,
                        body: Annotated[TermsIn, Body()]) -> list[TermsOut]:
    runtime = request.app.state.runtime
    candidates = [terms.Candidate(c.vendor, c.flavor, c.accelerator, c.count, _price(c.vendor_price_per_hour))
                  for c in body.candidates]
    async with runtime.pool.acquire() as conn:
        book = await price_book(conn, runtime.settings.markup)
        grants = await store.usable_grants(conn, tenant_id) if candidates else []
        balance = await store.balance(conn, ledger.tenant_account(tenant_id)) if body.minutes else 0
        now = await conn.fetchval("SELECT now()")
    available = balance + policy_from(get_billing_settings()).overdraft
    return [TermsOut(vendor=o.candidate.vendor, flavor=o.candidate.flavor,
                     sell_price_per_hour=money.format_amount(o.sell_price_per_hour),
                     sell_price_per_minute=money.format_amount(o.sell_price_per_minute), rule=o.rule,
                     admitted=o.admitted, covered_by=o.covered_by)
            for o in terms.placement_terms(book, grants, available, now, candidates, body.minutes)]
