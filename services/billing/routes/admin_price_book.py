"""The price book, operator side (`/internal/admin/price-book`): store a new version (markups by
vendor and accelerator class, overrides by flavor), read the one in force."""

from fastapi import APIRouter, Request
from pydantic import BaseModel, field_validator

from contracts import money
from contracts.billing_admin import MarkupShape, PriceBookShape
from services.billing import pricebook, store
from services.billing.routes.deps import OPERATOR, markup, pool
from services.common.problems import Problem
from services.common.unit_of_work import unit_of_work

router = APIRouter(prefix="/internal/admin")


def _fraction(value: str) -> str:
    """A markup in the amount grammar, signed (a negative markup sells below the vendor's price)."""
    try:
        fraction = money.parse_decimal(value, signed=True)
    except money.InvalidAmount:
        fraction = None
    if fraction is None or fraction <= -1:
        raise ValueError(f"a markup is a fraction above -1, such as \"0.20\": {value!r}")
    return value


class MarkupIn(MarkupShape):
    @field_validator("default")
    @classmethod
    def _default(cls, value: str | None) -> str | None:
        return None if value is None else _fraction(value)

    @field_validator("vendors", "accelerators")
    @classmethod
    def _each(cls, value: dict[str, str]) -> dict[str, str]:
        return {k: _fraction(v) for k, v in value.items()}


class PriceBookIn(PriceBookShape):
    markup: MarkupIn = MarkupIn()


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
    async with unit_of_work(pool(request)) as conn:
        row = await store.price_books.insert(conn, book.to_document(), OPERATOR)
        await store.audit.record(conn, actor=OPERATOR, action="price_book.update", tenant_id=None,
                                 subject=str(row["version"]), details=row["document"])
    return PriceBookOut(version=row["version"], **row["document"])


@router.get("/price-book")
async def get_price_book(request: Request) -> PriceBookOut:
    async with unit_of_work(pool(request)) as conn:
        row = await store.price_books.current(conn)
    if row is None:
        return PriceBookOut(version=None, **pricebook.default_book(markup(request)).to_document())
    return PriceBookOut(version=row["version"], **row["document"])
