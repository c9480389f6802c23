"""`POST /internal/price-book/quote`: the sell price the price book in force gives each (vendor, flavor,
accelerator, vendor price), with the rule that set it. Placement terms (terms.py) add admission and
packages to the same prices."""

from typing import Annotated

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, ConfigDict, Field

from contracts import money
from contracts.inputs import Text
from services.billing import pricebook, store
from services.billing.routes.deps import markup, pool, price
from services.common.unit_of_work import unit_of_work

router = APIRouter()


class QuoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vendor: Text
    flavor: Text
    accelerator: Text
    vendor_price_per_hour: Text


class QuoteOut(QuoteIn):
    sell_price_per_hour: str
    sell_price_per_minute: str
    rule: str = Field(description="which price-book rule set it: override, accelerator, vendor or default")
    currency: str = money.CURRENCY


@router.post("/internal/price-book/quote")
async def quote(request: Request, items: Annotated[list[QuoteIn], Body(max_length=10_000)]) -> list[QuoteOut]:
    async with unit_of_work(pool(request)) as conn:
        book = pricebook.in_force(await store.price_books.current_document(conn), markup(request))
    out = []
    for item in items:
        q = pricebook.quote(book, vendor=item.vendor, flavor=item.flavor, accelerator=item.accelerator,
                            vendor_price_per_hour=price(item.vendor_price_per_hour))
        out.append(QuoteOut(**item.model_dump(), sell_price_per_hour=money.format_amount(q.prices.sell_per_hour),
                            sell_price_per_minute=money.format_amount(q.prices.per_minute), rule=q.rule))
    return out
