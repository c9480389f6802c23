"""What billing's routes share: the pool, the policy and the markup of the running service, the
Idempotency-Key parameter, the readers of amounts and months, the problem documents for the
commands' refusals, the read-only snapshot a statement is built from, and the package and offer
listings more than one route answers with."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from decimal import Decimal
from typing import Annotated

import asyncpg
from fastapi import Query, Request, Response

from contracts import money
from services.billing import amounts, statements, store
from services.billing.commands import Reply
from services.billing.config import get_billing_settings
from services.billing.errors import Conflict, InsufficientFunds, NotFound, Refusal
from services.billing.policy import Policy, policy_from
from services.billing.routes.views import OfferList, PackageOut, offer_out, package_out
from services.common.cursor import decode_optional, page
from services.common.problems import Problem
from services.common.unit_of_work import unit_of_work

OPERATOR = "operator"  # the actor of the admin routes: one admin token today; a named operator would go here

# Everything a caller sends comes in the path, the query or the body, so the gateway forwards it
# without header plumbing: the Idempotency-Key is `?idempotency_key=`.
IdempotencyKey = Annotated[str | None, Query(max_length=255)]


def pool(request: Request) -> asyncpg.Pool:
    return request.app.state.runtime.pool


def policy() -> Policy:
    return policy_from(get_billing_settings())


def markup(request: Request) -> Decimal:
    return request.app.state.runtime.settings.markup


@asynccontextmanager
async def snapshot(request: Request) -> AsyncIterator[asyncpg.Connection]:
    """A read-only unit of work whose reads all see one snapshot (a statement's opening balance, lines
    and closing balance agree)."""
    async with unit_of_work(pool(request)) as conn:
        await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield conn


def refusal(exc: Refusal) -> Problem:
    """A command's refusal as its problem document (the app answers every Refusal with it)."""
    match exc:
        case NotFound():
            return Problem(404, "Not found", f"No {exc} with that id.", type_="not-found")
        case InsufficientFunds(needed=needed, available=available):
            return Problem(402, "Insufficient funds",
                           f"This needs {money.format_amount(needed)} {money.CURRENCY}; "
                           f"{money.format_amount(available)} is available.",
                           type_="insufficient-funds", needed=money.format_amount(needed),
                           available=money.format_amount(available), currency=money.CURRENCY)
        case Conflict():
            return Problem(409, "Conflict", str(exc), type_="conflict")
    raise exc


def replied(reply: Reply, response: Response) -> dict:
    response.status_code = reply.status
    if reply.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return reply.body


def positive_amount(value: str) -> str:
    """A body field's validator: a positive amount up to amounts.MAX_AMOUNT (else a 422 problem)."""
    amounts.positive(value)
    return value


def price(value: str) -> int:
    """A price in a request: micro-units, or a 422 problem."""
    try:
        return amounts.non_negative(value, "a price cannot be negative")
    except ValueError as exc:
        raise Problem(422, "Invalid price", str(exc), type_="invalid-request") from None


def month(value: str) -> tuple[datetime, datetime]:
    """A `YYYY-MM` in the path or query as [start, end) in UTC, or a 422 problem."""
    try:
        return statements.month_bounds(value)
    except ValueError as exc:
        raise Problem(422, "Invalid month", str(exc), type_="invalid-request") from None


async def packages_of(conn: asyncpg.Connection, tenant_id: uuid.UUID, *, usable_only: bool) -> list[PackageOut]:
    """The tenant's packages as of the database clock; `usable_only`: those that can still pay."""
    now = await conn.fetchval("SELECT now()")
    rows = await store.packages.of_tenant(conn, tenant_id)
    return [package_out(r, now) for r in rows
            if not usable_only or (r["expires_at"] > now and r["remaining"] > 0)]


async def offer_list(request: Request, *, active_only: bool, limit: int | None = None,
                     cursor: str | None = None) -> OfferList:
    """Newest first; one page of `limit` after `cursor`, or every offer without a limit."""
    before = decode_optional(cursor)
    async with unit_of_work(pool(request)) as conn:
        rows = await store.packages.offers(conn, active_only=active_only, before=before,
                                           limit=None if limit is None else limit + 1)
    rows, next_cursor = (rows, None) if limit is None else page(rows, limit)
    return OfferList(items=[offer_out(r) for r in rows], next_cursor=next_cursor)
