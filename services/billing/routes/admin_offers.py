"""Package offers, operator side (`/internal/admin/package-offers`): create one (card-hours for an
accelerator class, or a money credit), list them all, switch one on or off. The gateway checks the
admin token and forwards /v1/admin/... here."""

import uuid

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from contracts import money
from contracts.billing_admin import PackageOfferShape
from services.billing import amounts, packages, store
from services.billing.errors import NotFound
from services.billing.packages import Unit
from services.billing.routes.deps import OPERATOR, offer_list, pool, positive_amount
from services.billing.routes.views import OfferList, OfferOut, offer_out
from services.common.unit_of_work import unit_of_work

router = APIRouter(prefix="/internal/admin")


class OfferIn(PackageOfferShape):
    @field_validator("price")
    @classmethod
    def _price(cls, value: str) -> str:
        amounts.non_negative(value, "a price cannot be negative")
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


@router.post("/package-offers", status_code=201)
async def create_offer(body: OfferIn, request: Request) -> OfferOut:
    unit = Unit.CARD_SECONDS if body.card_hours is not None else Unit.MICROS
    quantity = packages.card_seconds(body.card_hours) if body.card_hours else money.parse_amount(body.credit)
    async with unit_of_work(pool(request)) as conn:
        row = await store.packages.insert_offer(conn, offer_id=uuid.uuid4(), name=body.name, unit=unit,
                                                accelerator=body.accelerator, quantity=quantity,
                                                price=money.parse_amount(body.price), valid_days=body.valid_days,
                                                priority=body.priority)
        await store.audit.record(conn, actor=OPERATOR, action="offer.create", tenant_id=None, subject=str(row["id"]),
                                 details=body.model_dump())
    return offer_out(row)


@router.get("/package-offers")
async def all_offers(request: Request) -> OfferList:
    return await offer_list(request, active_only=False)


@router.patch("/package-offers/{offer_id}")
async def patch_offer(offer_id: uuid.UUID, body: OfferPatch, request: Request) -> OfferOut:
    async with unit_of_work(pool(request)) as conn:
        row = await store.packages.set_offer_active(conn, offer_id, body.active)
        if row is None:
            raise NotFound("package offer")
        await store.audit.record(conn, actor=OPERATOR, action="offer.update", tenant_id=None, subject=str(offer_id),
                                 details=body.model_dump())
    return offer_out(row)
