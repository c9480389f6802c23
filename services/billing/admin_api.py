"""Internal HTTP API, operator side: package offers, the price book, adjustments, voids, margins and
the audit trail. The gateway checks the admin token and forwards /v1/admin/... here."""

import uuid
from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from contracts import money
from services.billing import handlers, packages, pricebook, statements, store
from services.billing.api import IdempotencyKey, markup, policy, pool, positive_amount, refusal, replied
from services.billing.packages import Unit
from services.billing.views import OfferOut, UsageItem, offer_out, usage_item
from services.common.problems import Problem

router = APIRouter(prefix="/internal/admin")
ACTOR = "operator"  # one admin token today; a named operator would be passed along here


class OfferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    accelerator: str | None = Field(None, pattern=r"^[a-z0-9-]+$", max_length=32)
    card_hours: str | None = None
    credit: str | None = None
    price: str
    valid_days: int = Field(ge=1, le=3660)
    priority: int = Field(0, ge=0, le=1000, description="lower is consumed first; then the earliest expiry")

    @field_validator("price")
    @classmethod
    def _price(cls, value: str) -> str:
        if money.parse_amount(value) < 0:
            raise ValueError("a price cannot be negative")
        return value

    @field_validator("credit")
    @classmethod
    def _credit(cls, value: str | None) -> str | None:
        return None if value is None else positive_amount(value)

    @field_validator("card_hours")
    @classmethod
    def _card_hours(cls, value: str | None) -> str | None:
        if value is not None:
            packages.card_seconds(value)  # ValueError: a 422 problem
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> "OfferIn":
        card = self.accelerator is not None and self.card_hours is not None
        credit = self.credit is not None and self.accelerator is None and self.card_hours is None
        if card == credit:
            raise ValueError("an offer is either {accelerator, card_hours} or {credit}")
        return self


class OfferPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    active: bool


class OfferList(BaseModel):
    items: list[OfferOut]


@router.post("/package-offers", status_code=201)
async def create_offer(body: OfferIn, request: Request) -> OfferOut:
    unit = Unit.CARD_SECONDS if body.card_hours is not None else Unit.MICROS
    quantity = packages.card_seconds(body.card_hours) if body.card_hours else money.parse_amount(body.credit)
    async with pool(request).acquire() as conn, conn.transaction():
        row = await store.insert_offer(conn, offer_id=uuid.uuid4(), name=body.name, unit=unit,
                                       accelerator=body.accelerator, quantity=quantity,
                                       price=money.parse_amount(body.price), valid_days=body.valid_days,
                                       priority=body.priority)
        await store.audit(conn, actor=ACTOR, action="offer.create", tenant_id=None, subject=str(row["id"]),
                          details=body.model_dump())
    return offer_out(row)


@router.get("/package-offers")
async def all_offers(request: Request) -> OfferList:
    async with pool(request).acquire() as conn:
        return OfferList(items=[offer_out(r) for r in await store.offers(conn, active_only=False)])


@router.patch("/package-offers/{offer_id}")
async def patch_offer(offer_id: uuid.UUID, body: OfferPatch, request: Request) -> OfferOut:
    async with pool(request).acquire() as conn, conn.transaction():
        row = await store.set_offer_active(conn, offer_id, body.active)
        if row is None:
            raise refusal(handlers.NotFound("package offer"))
        await store.audit(conn, actor=ACTOR, action="offer.update", tenant_id=None, subject=str(offer_id),
                          details=body.model_dump())
    return offer_out(row)


# --- price book -----------------------------------------------------------------------------------

def _fraction(value: str) -> str:
    try:
        fraction = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"not a decimal markup: {value!r}") from None
    if not fraction.is_finite() or fraction <= -1 or "e" in value.lower():
        raise ValueError(f"a markup is a fraction above -1, such as \"0.20\": {value!r}")
    return value


class MarkupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default: str | None = Field(None, description="fraction; absent: SWITCHYARD_MARKUP - 1")
    vendors: dict[str, str] = {}
    accelerators: dict[str, str] = {}

    @field_validator("default")
    @classmethod
    def _default(cls, value: str | None) -> str | None:
        return None if value is None else _fraction(value)

    @field_validator("vendors", "accelerators")
    @classmethod
    def _each(cls, value: dict[str, str]) -> dict[str, str]:
        return {k: _fraction(v) for k, v in value.items()}


class PriceBookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    markup: MarkupIn = MarkupIn()
    overrides: dict[str, str] = Field({}, description='"<vendor>/<flavor>": sell price per hour')


class PriceBookOut(BaseModel):
    version: int | None
    markup: dict
    overrides: dict[str, str]
    currency: str = money.CURRENCY
    rules: list[str] = list(pricebook.RULES)


@router.put("/price-book")
async def put_price_book(body: PriceBookIn, request: Request) -> PriceBookOut:
    default = body.markup.default or str(markup(request) - 1)
    document = {"markup": {**body.markup.model_dump(), "default": default}, "overrides": body.overrides}
    try:
        book = pricebook.PriceBook.from_document(document)
    except ValueError as exc:
        raise Problem(422, "Invalid price book", str(exc), type_="invalid-request") from None
    async with pool(request).acquire() as conn, conn.transaction():
        row = await store.insert_price_book(conn, book.to_document(), ACTOR)
        await store.audit(conn, actor=ACTOR, action="price_book.update", tenant_id=None,
                          subject=str(row["version"]), details=row["document"])
    return PriceBookOut(version=row["version"], **row["document"])


@router.get("/price-book")
async def get_price_book(request: Request) -> PriceBookOut:
    async with pool(request).acquire() as conn:
        row = await store.current_price_book(conn)
    if row is None:
        return PriceBookOut(version=None, **pricebook.default_book(markup(request)).to_document())
    return PriceBookOut(version=row["version"], **row["document"])


# --- corrections ----------------------------------------------------------------------------------

class AdjustmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: str = Field(description="signed: positive credits the tenant, negative debits it")
    reason: str = Field(min_length=1, max_length=1000)
    kind: Literal["credit", "debit", "refund"] | None = Field(None, description="defaults from the sign")

    @field_validator("amount")
    @classmethod
    def _non_zero(cls, value: str) -> str:
        micros = money.parse_amount(value)
        if micros == 0 or abs(micros) > money.parse_amount("1000000000"):
            raise ValueError("an adjustment is a non-zero amount of at most 1000000000")
        return value

    @model_validator(mode="after")
    def _kind_fits_sign(self) -> "AdjustmentIn":
        negative = money.parse_amount(self.amount) < 0
        if self.kind is None:
            self.kind = "debit" if negative else "credit"
        elif negative != (self.kind == "debit"):
            raise ValueError("a debit is negative; a credit or a refund is positive")
        return self


@router.post("/tenants/{tenant_id}/adjustments", status_code=201)
async def adjust(tenant_id: uuid.UUID, body: AdjustmentIn, request: Request, response: Response,
                 idempotency_key: IdempotencyKey = None) -> dict:
    try:
        reply = await handlers.adjust(pool(request), tenant_id, money.parse_amount(body.amount), body.kind,
                                      body.reason, policy(), key=idempotency_key, actor=ACTOR)
    except (handlers.InsufficientFunds, handlers.Conflict) as exc:
        raise refusal(exc) from None
    return replied(reply, response)


class VoidIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=1000)


@router.post("/charges/{charge_id}/void", status_code=201)
async def void(charge_id: uuid.UUID, body: VoidIn, request: Request) -> UsageItem:
    try:
        return usage_item(await handlers.void_charge(pool(request), charge_id, body.reason, policy(), actor=ACTOR))
    except (handlers.NotFound, handlers.Conflict) as exc:
        raise refusal(exc) from None


# --- reports --------------------------------------------------------------------------------------

class MarginLine(BaseModel):
    key: str
    revenue: str = Field(description="paid from balances, owed, and the value of package draws")
    list_amount: str
    vendor_cost: str
    margin: str
    minutes: int


class Margins(BaseModel):
    month: str
    currency: str = money.CURRENCY
    by_vendor: list[MarginLine]
    by_tenant: list[MarginLine]
    total: MarginLine


def _margin(key: str, revenue: int, list_amount: int, vendor_cost: int, minutes: int) -> MarginLine:
    return MarginLine(key=key, revenue=money.format_amount(revenue), list_amount=money.format_amount(list_amount),
                      vendor_cost=money.format_amount(vendor_cost), margin=money.format_amount(revenue - vendor_cost),
                      minutes=minutes)


@router.get("/margins")
async def margins(request: Request, month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$")]) -> Margins:
    try:
        start, end = statements.month_bounds(month)
    except ValueError as exc:
        raise Problem(422, "Invalid month", str(exc), type_="invalid-request") from None
    async with pool(request).acquire() as conn:
        by = {side: await store.margins(conn, start, end, side) for side in ("vendor", "tenant")}
    lines = {side: [_margin(r["key"], r["revenue"], r["list_amount"], r["vendor_cost"], r["minutes"]) for r in rows]
             for side, rows in by.items()}
    totals = [sum(r[c] for r in by["vendor"]) for c in ("revenue", "list_amount", "vendor_cost", "minutes")]
    return Margins(month=month, by_vendor=lines["vendor"], by_tenant=lines["tenant"], total=_margin("total", *totals))


@router.get("/audit")
async def audit_trail(request: Request, tenant_id: uuid.UUID | None = None,
                      limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict:
    async with pool(request).acquire() as conn:
        rows = await store.audit_trail(conn, tenant_id, limit)
    return {"items": [dict(r) for r in rows]}
