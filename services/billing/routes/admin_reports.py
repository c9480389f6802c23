"""Reports, operator side: `GET /internal/admin/margins?month=YYYY-MM` (revenue against vendor cost, by
vendor, by tenant and by day and vendor) and `GET /internal/admin/audit` (the audit trail, newest first)."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from contracts import money
from services.billing import store
from services.billing.routes.deps import month as month_bounds
from services.billing.routes.deps import pool
from services.common.unit_of_work import unit_of_work

router = APIRouter(prefix="/internal/admin")


class MarginLine(BaseModel):
    key: str
    revenue: str = Field(description="paid from balances, owed, and the value of package draws")
    list_amount: str
    vendor_cost: str
    margin: str
    minutes: int


class DayMarginLine(MarginLine):
    day: date = Field(description="a UTC day; `key` is the vendor")


class Margins(BaseModel):
    month: str
    currency: str = money.CURRENCY
    by_vendor: list[MarginLine]
    by_tenant: list[MarginLine]
    by_vendor_day: list[DayMarginLine] = Field(description="per UTC day and vendor, oldest first")
    total: MarginLine


def _margin(key: str, revenue: int, list_amount: int, vendor_cost: int, minutes: int, *,
            line: type[MarginLine] = MarginLine, **extra) -> MarginLine:
    return line(**extra, key=key, revenue=money.format_amount(revenue), list_amount=money.format_amount(list_amount),
                      vendor_cost=money.format_amount(vendor_cost), margin=money.format_amount(revenue - vendor_cost),
                      minutes=minutes)


@router.get("/margins")
async def margins(request: Request, month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$")]) -> Margins:
    start, end = month_bounds(month)
    async with unit_of_work(pool(request)) as conn:
        by = {side: await store.reports.margins(conn, start, end, side) for side in ("vendor", "tenant")}
        days = await store.reports.margins_by_day(conn, start, end)
    lines = {side: [_margin(r["key"], r["revenue"], r["list_amount"], r["vendor_cost"], r["minutes"]) for r in rows]
             for side, rows in by.items()}
    totals = [sum(r[c] for r in by["vendor"]) for c in ("revenue", "list_amount", "vendor_cost", "minutes")]
    by_day = [_margin(r["key"], r["revenue"], r["list_amount"], r["vendor_cost"], r["minutes"], line=DayMarginLine,
                      day=r["day"]) for r in days]
    return Margins(month=month, by_vendor=lines["vendor"], by_tenant=lines["tenant"], by_vendor_day=by_day,
                   total=_margin("total", *totals))


@router.get("/audit")
async def audit_trail(request: Request, tenant_id: uuid.UUID | None = None,
                      limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict:
    async with unit_of_work(pool(request)) as conn:
        rows = await store.audit.trail(conn, tenant_id, limit)
    return {"items": [dict(r) for r in rows]}
