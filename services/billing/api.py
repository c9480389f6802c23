"""Internal HTTP API; the gateway proxies the public balance, usage and credit routes here."""

import base64
import binascii
import uuid
from datetime import datetime
from typing import Annotated

import asyncpg
from fastapi import FastAPI, Query, Request
from pydantic import BaseModel, ConfigDict, field_validator

from contracts import money
from services.billing import handlers, store
from services.common.problems import Problem, install_problem_handlers

MAX_CREDIT = money.parse_amount("1000000000")  # far below bigint overflow, far above any real top-up

http_app = FastAPI(title="Switchyard billing (internal)", version="0.1.0")
install_problem_handlers(http_app)


class CreditRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: str

    @field_validator("amount")
    @classmethod
    def _positive_decimal(cls, value: str) -> str:
        micros = money.parse_amount(value)  # InvalidAmount is a ValueError: a 422 problem
        if not 0 < micros <= MAX_CREDIT:
            raise ValueError(f"amount must be > 0 and at most {money.format_amount(MAX_CREDIT)}")
        return value

    @property
    def micros(self) -> int:
        return money.parse_amount(self.amount)


class Balance(BaseModel):
    balance: str
    currency: str = money.CURRENCY


class Amount(BaseModel):
    amount: str
    currency: str = money.CURRENCY


class UsageItem(BaseModel):
    id: uuid.UUID
    job_id: uuid.UUID
    minute: int
    kind: str
    amount: str
    currency: str = money.CURRENCY
    created_at: datetime


class UsagePage(BaseModel):
    items: list[UsageItem]
    total: Amount
    next_cursor: str | None


def _pool(request: Request) -> asyncpg.Pool:
    return request.app.state.runtime.pool


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


@http_app.post("/internal/tenants/{tenant_id}/credit")
async def credit(tenant_id: uuid.UUID, body: CreditRequest, request: Request) -> Balance:
    new_balance = await handlers.credit(_pool(request), tenant_id, body.micros)
    return Balance(balance=money.format_amount(new_balance))


@http_app.get("/internal/tenants/{tenant_id}/balance")
async def balance(tenant_id: uuid.UUID, request: Request) -> Balance:
    return Balance(balance=money.format_amount(await handlers.balance(_pool(request), tenant_id)))


@http_app.get("/internal/tenants/{tenant_id}/usage")
async def usage(
    tenant_id: uuid.UUID,
    request: Request,
    job_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: str | None = None,
) -> UsagePage:
    after = _decode_cursor(cursor) if cursor else None
    async with _pool(request).acquire() as conn:
        # One more row than asked tells whether another page exists.
        charges = await store.usage(conn, tenant_id, job_id=job_id, after=after, limit=limit + 1)
        total = await store.usage_total(conn, tenant_id, job_id=job_id)
    page = charges[:limit]
    return UsagePage(
        items=[UsageItem(id=c.id, job_id=c.job_id, minute=c.minute, kind=c.kind, amount=money.format_amount(c.amount),
                         created_at=c.created_at) for c in page],
        total=Amount(amount=money.format_amount(total)),
        next_cursor=_encode_cursor(page[-1]) if len(charges) > limit else None,
    )
