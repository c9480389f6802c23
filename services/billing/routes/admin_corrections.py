"""An operator's corrections: `POST /internal/admin/tenants/{id}/adjustments` (a credit, refund or
debit with its reason) and `POST /internal/admin/charges/{id}/void` (give one charge back)."""

import uuid
from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from contracts import money
from contracts.inputs import Text
from services.billing import amounts, commands
from services.billing.routes.deps import OPERATOR, IdempotencyKey, policy, pool, replied
from services.billing.routes.views import UsageItem, usage_item

router = APIRouter(prefix="/internal/admin")


class AdjustmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: str = Field(pattern=money.SIGNED_AMOUNT_PATTERN, examples=["-5.00"],
                        description="signed: positive credits the tenant, negative debits it")
    reason: Text = Field(min_length=1, max_length=1000)
    kind: Literal["credit", "debit", "refund"] | None = Field(None, description="defaults from the sign")

    @field_validator("amount")
    @classmethod
    def _non_zero(cls, value: str) -> str:
        amounts.signed(value, "an adjustment is a non-zero amount of at most 1000000000")
        return value

    @model_validator(mode="after")
    def _kind_fits_sign(self) -> "AdjustmentIn":
        negative = money.parse_amount(self.amount, signed=True) < 0
        if self.kind is None:
            self.kind = "debit" if negative else "credit"
        elif negative != (self.kind == "debit"):
            raise ValueError("a debit is negative; a credit or a refund is positive")
        return self


@router.post("/tenants/{tenant_id}/adjustments", status_code=201)
async def adjust(tenant_id: uuid.UUID, body: AdjustmentIn, request: Request, response: Response,
                 idempotency_key: IdempotencyKey = None) -> dict:
    reply = await commands.adjust(pool(request), tenant_id, money.parse_amount(body.amount, signed=True), body.kind,
                                  body.reason, policy(), key=idempotency_key, actor=OPERATOR)
    return replied(reply, response)


class VoidIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Text = Field(min_length=1, max_length=1000)


@router.post("/charges/{charge_id}/void", status_code=201)
async def void(charge_id: uuid.UUID, body: VoidIn, request: Request) -> UsageItem:
    return usage_item(await commands.void_charge(pool(request), charge_id, body.reason, policy(), actor=OPERATOR))
