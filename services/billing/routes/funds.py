"""A tenant's funds: `POST /internal/tenants/{id}/credit` (a top-up) and `GET .../balance` (the balance,
what is owed, the overdraft and the packages that can still pay)."""

import uuid

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from contracts import money
from contracts.inputs import Text
from services.billing import commands, ledger, store
from services.billing.routes.deps import (
    IdempotencyKey, packages_of, policy, pool, positive_amount, replied,
)
from services.billing.routes.views import PackageOut
from services.common.unit_of_work import unit_of_work

router = APIRouter()


class CreditRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Text

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


@router.post("/internal/tenants/{tenant_id}/credit")
async def credit(tenant_id: uuid.UUID, body: CreditRequest, request: Request, response: Response,
                 idempotency_key: IdempotencyKey = None) -> Balance:
    reply = await commands.credit(pool(request), tenant_id, money.parse_amount(body.amount), policy(),
                                  key=idempotency_key)
    return Balance(**replied(reply, response))


@router.get("/internal/tenants/{tenant_id}/balance")
async def balance(tenant_id: uuid.UUID, request: Request) -> BalanceWithPackages:
    async with unit_of_work(pool(request)) as conn:
        balance_now = await store.accounts.balance(conn, ledger.tenant_account(tenant_id))
        arrears = await store.accounts.balance(conn, ledger.arrears_account(tenant_id))
        packages = await packages_of(conn, tenant_id, usable_only=True)
    return BalanceWithPackages(balance=money.format_amount(balance_now), arrears=money.format_amount(-arrears),
                               overdraft=money.format_amount(policy().overdraft), packages=packages)
