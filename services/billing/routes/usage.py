"""A tenant's usage and statements: `GET /internal/tenants/{id}/usage` (charges page by page, or
grouped by job, day, vendor, flavor or accelerator) and `GET .../statements/{YYYY-MM}` (JSON, or CSV with
`?format=csv`)."""

import base64
import binascii
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from contracts import money
from contracts.inputs import INT32_MAX, Text, Timestamp, storable_text
from services.billing import ledger, statements, store
from services.billing.packages import format_card_hours
from services.billing.routes.deps import month as month_bounds
from services.billing.routes.deps import pool, snapshot
from services.billing.routes.views import UsageItem, usage_item
from services.billing.store.charges import Charge
from services.common.problems import Problem
from services.common.unit_of_work import unit_of_work

router = APIRouter()


class Amount(BaseModel):
    amount: str
    currency: str = money.CURRENCY


class UsagePage(BaseModel):
    items: list[UsageItem]
    total: Amount
    next_cursor: str | None


class UsageGroup(BaseModel):
    key: str
    amount: str
    shortfall: str
    card_hours: str
    minutes: int


class GroupedUsage(BaseModel):
    group_by: str
    items: list[UsageGroup]
    total: Amount
    currency: str = money.CURRENCY


def _encode_cursor(charge: Charge) -> str:
    raw = f"{charge.job_id}:{charge.minute}:{charge.kind}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[uuid.UUID, int, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        job_id, minute, kind = raw.split(":")
        # A forged cursor may still decode: its minute must fit the integer column, its kind be storable text.
        if not 0 <= int(minute) <= INT32_MAX:
            raise ValueError("minute out of range")
        return uuid.UUID(job_id), int(minute), storable_text(kind)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise Problem(422, "Invalid cursor", "next_cursor must be passed back unchanged.",
                      type_="invalid-cursor") from None


@router.get("/internal/tenants/{tenant_id}/usage", response_model=UsagePage | GroupedUsage)
async def usage(
    tenant_id: uuid.UUID,
    request: Request,
    job_id: uuid.UUID | None = None,
    group_by: Literal["job", "day", "vendor", "accelerator", "flavor"] | None = None,
    from_: Annotated[Timestamp | None, Query(alias="from")] = None,
    to: Timestamp | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Text | None = None,
) -> UsagePage | GroupedUsage:
    async with unit_of_work(pool(request)) as conn:
        if group_by is not None:
            rows = await store.reports.grouped_usage(conn, tenant_id, group_by, job_id=job_id, start=from_, end=to)
            return GroupedUsage(group_by=group_by, items=[
                UsageGroup(key=r["key"], amount=money.format_amount(r["amount"]),
                           shortfall=money.format_amount(r["shortfall"]),
                           card_hours=format_card_hours(r["card_seconds"]), minutes=r["minutes"]) for r in rows
            ], total=Amount(amount=money.format_amount(sum(r["amount"] for r in rows))))
        after = _decode_cursor(cursor) if cursor else None
        # One more row than asked tells whether another page exists.
        charges = await store.reports.usage(conn, tenant_id, job_id=job_id, start=from_, end=to, after=after,
                                            limit=limit + 1)
        total = await store.reports.usage_total(conn, tenant_id, job_id=job_id, start=from_, end=to)
    page = charges[:limit]
    return UsagePage(items=[usage_item(c) for c in page], total=Amount(amount=money.format_amount(total)),
                     next_cursor=_encode_cursor(page[-1]) if len(charges) > limit else None)


@router.get("/internal/tenants/{tenant_id}/statements/{month}")
async def statement(tenant_id: uuid.UUID, month: str, request: Request,
                    format: Literal["json", "csv"] = "json") -> Response:
    start, end = month_bounds(month)
    account = ledger.tenant_account(tenant_id)
    async with snapshot(request) as conn:
        opening = await store.reports.balance_at(conn, account, start)
        closing = await store.reports.balance_at(conn, account, end)
        arrears = await store.reports.balance_at(conn, ledger.arrears_account(tenant_id), end)
        lines = [statements.LedgerLine(r["created_at"], r["kind"], r["amount"], r["reference"], r["memo"] or r["kind"])
                 for r in await store.reports.ledger_lines(conn, account, start, end) if r["kind"] != "usage"]
        usage_rows = await store.reports.job_usage(conn, tenant_id, start, end)
    built = statements.build(month, opening=opening, closing=closing, arrears=-arrears, ledger=lines,
                             usage=[statements.JobUsage(**dict(r)) for r in usage_rows])
    if format == "csv":
        return Response(built.to_csv(), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="statement-{month}.csv"'})
    return JSONResponse(built.to_json(tenant_id))
