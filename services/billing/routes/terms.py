"""`POST /internal/placement-terms`: for some tenants and a list of candidate flavors, each candidate's sell
price, whether the tenant can pay its first minutes and the tenant's package that would pay them
(services/billing/terms.py). The scheduler asks once per batch of jobs it places, the gateway once per quote."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, ConfigDict, Field

from contracts import money
from contracts.inputs import Text
from services.billing import ledger, pricebook, store, terms
from services.billing.routes.deps import markup, policy, pool, price
from services.common.unit_of_work import unit_of_work

router = APIRouter()


class CandidateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vendor: Text = Field(max_length=64)
    flavor: Text = Field(max_length=256)
    accelerator: Text = Field(max_length=64)
    count: int = Field(ge=0, le=100_000, description="accelerators in all (per node x instances)")
    vendor_price_per_hour: Text = Field(description="all instances, e.g. \"18.00\"")


class TermsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tenants: list[uuid.UUID] = Field(min_length=1, max_length=1000)
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


@router.post("/internal/placement-terms")
async def placement_terms(request: Request, body: Annotated[TermsIn, Body()]) -> dict[uuid.UUID, list[TermsOut]]:
    candidates = [terms.Candidate(c.vendor, c.flavor, c.accelerator, c.count, price(c.vendor_price_per_hour))
                  for c in body.candidates]
    tenants = list(dict.fromkeys(body.tenants))
    async with unit_of_work(pool(request)) as conn:
        book = pricebook.in_force(await store.price_books.current_document(conn), markup(request))
        grants = await store.packages.usable_grants(conn, tenants)
        balances = await store.accounts.balances(conn, [ledger.tenant_account(t) for t in tenants]) \
            if body.minutes else {}
        now = await conn.fetchval("SELECT now()")
    overdraft = policy().overdraft
    return {
        tenant: [TermsOut(vendor=t.candidate.vendor, flavor=t.candidate.flavor,
                          sell_price_per_hour=money.format_amount(t.sell_price_per_hour),
                          sell_price_per_minute=money.format_amount(t.sell_price_per_minute), rule=t.rule,
                          admitted=t.admitted, covered_by=t.covered_by)
                 for t in terms.placement_terms(book, grants[tenant],
                                                balances.get(ledger.tenant_account(tenant), 0) + overdraft,
                                                now, candidates, body.minutes)]
        for tenant in tenants
    }
