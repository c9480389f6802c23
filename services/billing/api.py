"""Internal HTTP API (127.0.0.1 only), tenant side; the operator routes are in admin_api. The gateway authenticates callers and forwards the public
billing routes here; the scheduler and the gateway ask for placement terms (terms_api) and quotes. Everything a caller sends comes in
the path, the query or the body — an Idempotency-Key as `?idempotency_key=`, the CSV flavour of a
statement as `?format=csv` — so forwarding needs no header plumbing."""

import base64
import binascii
import uuid
from datetime import datetime
from typing import Annotated, Literal

import asyncpg
from fastapi import Body, FastAPI, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from contracts import money
from services.billing import handlers, ledger, pricebook, statements, store
from services.billing.config import get_billing_settings
from services.billing.packages import format_card_hours
from services.billing.rating import Policy
from services.billing.views import OfferOut, PackageOut, UsageItem, offer_out, package_out, usage_item
from services.common.problems import Problem, install_problem_handlers

MAX_CREDIT = money.parse_amount("1000000000")  # far below bigint overflow, far above any real top-up
IdempotencyKey = Annotated[str | None, Query(max_length=255)]

http_app = FastAPI(title="Switchyard billing (internal)", version="0.2.0")
install_problem_handlers(http_app)


def pool(request: Request) -> asyncpg.Pool:
    return request.app.state.runtime.pool


def policy() -> Policy:
    return handlers.policy_from(get_billing_settings())


def markup(request: Request):
    return request.app.state.runtime.settings.markup


def refusal(exc: Exception) -> Problem:
    """The domain's refusals as problem documents."""
    if isinstance(exc, handlers.NotFound):
        return Problem(404, "Not found", f"No {exc} with that id.", type_="not-found")
    if isinstance(exc, handlers.InsufficientFunds):
        return Problem(402, "Insufficient funds",
                       f"This needs {money.format_amount(exc.needed)} {money.CURRENCY}; "
                       f"{money.format_amount(exc.available)} is available.",
                       type_="insufficient-funds", needed=money.format_amount(exc.needed),
                       available=money.format_amount(exc.available), currency=money.CURRENCY)
    if isinstance(exc, handlers.Conflict):
        return Problem(409, "Conflict", str(exc), type_="conflict")
    raise exc


def replied(reply: handlers.Reply, response: Response) -> dict:
    response.status_code = reply.status
    if reply.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return reply.body


def positive_amount(value: str, limit: int = MAX_CREDIT) -> str:
    micros = money.parse_amount(value)  # InvalidAmount is a ValueError: a 422 problem
    if not 0 < micros <= limit:
        raise ValueError(f"amount must be > 0 and at most {money.format_amount(limit)}")
    return value


class CreditRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: str

    @field_validator("amount")
    @classmethod
    def _positive(cls, value: str) -> str:
        return positive_amount(value)


class Balance(BaseModel):
    balance: str
    currency: str = money.CURRENCY


class BalanceWithPackages(Balance):
    arrears: str = Field(description="owed for minutes the balance could not pay; settled by the next top-up")
    overdraft: str
    packages: list[PackageOut]


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


def _encode_cursor(charge: store.Charge) -> str:
    raw = f"{charge.job_id}:{charge.minute}:{charge.kind}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[uuid.UUID, int, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        job_id, minute, kind = raw.split(":")
        return uuid.UUID(job_id), int(minute), kind
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise Problem(422, "Invalid cursor", "next_cursor must be passed back unchanged.") from None


@http_app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


# --- balance, credit ------------------------------------------------------------------------------

@http_app.post("/internal/tenants/{tenant_id}/credit")
async def credit(tenant_id: uuid.UUID, body: CreditRequest, request: Request, response: Response,
                 idempotency_key: IdempotencyKey = None) -> Balance:
    try:
        reply = await handlers.credit(pool(request), tenant_id, money.parse_amount(body.amount), policy(),
                                      key=idempotency_key)
    except handlers.Conflict as exc:
        raise refusal(exc) from None
    return Balance(**replied(reply, response))


@http_app.get("/internal/tenants/{tenant_id}/balance")
async def balance(tenant_id: uuid.UUID, request: Request) -> BalanceWithPackages:
    async with pool(request).acquire() as conn:
        now = await conn.fetchval("SELECT now()")
        balance_now = await store.balance(conn, ledger.tenant_account(tenant_id))
        arrears = await store.balance(conn, ledger.arrears_account(tenant_id))
        rows = await store.tenant_packages(conn, tenant_id)
    return BalanceWithPackages(
        balance=money.format_amount(balance_now), arrears=money.format_amount(-arrears),
        overdraft=money.format_amount(policy().overdraft),
        packages=[package_out(r, now) for r in rows if r["expires_at"] > now and r["remaining"] > 0],
    )


# --- usage and statements -------------------------------------------------------------------------

@http_app.get("/internal/tenants/{tenant_id}/usage", response_model=UsagePage | GroupedUsage)
async def usage(
    tenant_id: uuid.UUID,
    request: Request,
    job_id: uuid.UUID | None = None,
    group_by: Literal["job", "day", "vendor", "accelerator"] | None = None,
    from_: Annotated[datetime | None, Query(alias="from")] = None,
    to: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: str | None = None,
) -> UsagePage | GroupedUsage:
    async with pool(request).acquire() as conn:
        if group_by is not None:
            rows = await store.grouped_usage(conn, tenant_id, group_by, start=from_, end=to)
            return GroupedUsage(group_by=group_by, items=[
                UsageGroup(key=r["key"], amount=money.format_amount(r["amount"]),
                           shortfall=money.format_amount(r["shortfall"]),
                           card_hours=format_card_hours(r["card_seconds"]), minutes=r["minutes"]) for r in rows
            ], total=Amount(amount=money.format_amount(sum(r["amount"] for r in rows))))
        after = _decode_cursor(cursor) if cursor else None
        # One more row than asked tells whether another page exists.
        charges = await store.usage(conn, tenant_id, job_id=job_id, start=from_, end=to, after=after, limit=limit + 1)
        total = await store.usage_total(conn, tenant_id, job_id=job_id, start=from_, end=to)
    page = charges[:limit]
    return UsagePage(items=[usage_item(c) for c in page], total=Amount(amount=money.format_amount(total)),
                     next_cursor=_encode_cursor(page[-1]) if len(charges) > limit else None)


@http_app.get("/internal/tenants/{tenant_id}/statements/{month}")
async def statement(tenant_id: uuid.UUID, month: str, request: Request,
                    format: Literal["json", "csv"] = "json") -> Response:
    try:
        start, end = statements.month_bounds(month)
    except ValueError as exc:
        raise Problem(422, "Invalid month", str(exc), type_="invalid-request") from None
    account = ledger.tenant_account(tenant_id)
    async with pool(request).acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        opening = await store.balance_at(conn, account, start)
        closing = await store.balance_at(conn, account, end)
        arrears = await store.balance_at(conn, ledger.arrears_account(tenant_id), end)
        lines = [statements.LedgerLine(r["created_at"], r["kind"], r["amount"], r["reference"], r["memo"] or r["kind"])
                 for r in await store.ledger_lines(conn, account, start, end) if r["kind"] != "usage"]
        usage_rows = await store.job_usage(conn, tenant_id, start, end)
    built = statements.build(month, opening=opening, closing=closing, arrears=-arrears, ledger=lines,
                             usage=[statements.JobUsage(**dict(r)) for r in usage_rows])
    if format == "csv":
        return Response(built.to_csv(), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="statement-{month}.csv"'})
    return JSONResponse(built.to_json(tenant_id))


# --- packages -------------------------------------------------------------------------------------

class PurchaseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    offer_id: uuid.UUID


class PackageList(BaseModel):
    items: list[PackageOut]


class OfferList(BaseModel):
    items: list[OfferOut]


@http_app.get("/internal/package-offers")
async def list_offers(request: Request) -> OfferList:
    async with pool(request).acquire() as conn:
        return OfferList(items=[offer_out(r) for r in await store.offers(conn, active_only=True)])


@http_app.post("/internal/tenants/{tenant_id}/packages", status_code=201)
async def buy_package(tenant_id: uuid.UUID, body: PurchaseRequest, request: Request, response: Response,
                      idempotency_key: IdempotencyKey = None) -> PackageOut:
    def render(row: asyncpg.Record) -> dict:
        return package_out(row, row["purchased_at"]).model_dump(mode="json")
    try:
        reply = await handlers.purchase(pool(request), tenant_id, body.offer_id, policy(), key=idempotency_key,
                                        render=render)
    except (handlers.NotFound, handlers.InsufficientFunds, handlers.Conflict) as exc:
        raise refusal(exc) from None
    return PackageOut(**replied(reply, response))


@http_app.get("/internal/tenants/{tenant_id}/packages")
async def list_packages(tenant_id: uuid.UUID, request: Request) -> PackageList:
    async with pool(request).acquire() as conn:
        now = await conn.fetchval("SELECT now()")
        return PackageList(items=[package_out(r, now) for r in await store.tenant_packages(conn, tenant_id)])


# --- quotes (placement terms are in terms_api.py) -------------------------------------

def _price(value: str) -> int:
    try:
        micros = money.parse_amount(value)
    except ValueError as exc:
        raise Problem(422, "Invalid price", str(exc), type_="invalid-request") from None
    if micros < 0:
        raise Problem(422, "Invalid price", "a price cannot be negative", type_="invalid-request")
    return micros


class QuoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vendor: str
    flavor: str
    accelerator: str
    vendor_price_per_hour: str


class QuoteOut(QuoteIn):
    sell_price_per_hour: str
    sell_price_per_minute: str
    rule: str = Field(description="which price-book rule set it: override, accelerator, vendor or default")
    currency: str = money.CURRENCY


@http_app.post("/internal/price-book/quote")
async def quote(request: Request, items: Annotated[list[QuoteIn], Body(max_length=10_000)]) -> list[QuoteOut]:
    async with pool(request).acquire() as conn:
        book = await handlers.price_book(conn, markup(request))
    out = []
    for item in items:
        q = pricebook.quote(book, vendor=item.vendor, flavor=item.flavor, accelerator=item.accelerator,
                            vendor_price_per_hour=_price(item.vendor_price_per_hour))
        out.append(QuoteOut(**item.model_dump(), sell_price_per_hour=money.format_amount(q.prices.sell_per_hour),
                            sell_price_per_minute=money.format_amount(q.prices.per_minute), rule=q.rule))
    return out

