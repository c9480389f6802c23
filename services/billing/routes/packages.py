"""Packages, tenant side: `GET /internal/package-offers` (what can be bought), `POST
/internal/tenants/{id}/packages` (buy one from the balance) and `GET .../packages` (all of them, page by page)."""

import uuid

import asyncpg
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict

from services.billing import commands, store
from services.billing.routes.deps import IdempotencyKey, offer_list, policy, pool, replied
from services.billing.routes.views import OfferList, PackageOut, package_out
from services.common.cursor import Cursor, Limit, decode_optional, page
from services.common.unit_of_work import unit_of_work

router = APIRouter()


class PurchaseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    offer_id: uuid.UUID


class PackageList(BaseModel):
    items: list[PackageOut]
    next_cursor: str | None = None


@router.get("/internal/package-offers")
async def list_offers(request: Request, limit: Limit = 50, cursor: Cursor = None) -> OfferList:
    """Newest first."""
    return await offer_list(request, active_only=True, limit=limit, cursor=cursor)


@router.post("/internal/tenants/{tenant_id}/packages", status_code=201)
async def buy_package(tenant_id: uuid.UUID, body: PurchaseRequest, request: Request, response: Response,
                      idempotency_key: IdempotencyKey = None) -> PackageOut:
    def render(row: asyncpg.Record) -> dict:
        return package_out(row, row["purchased_at"]).model_dump(mode="json")
    reply = await commands.purchase(pool(request), tenant_id, body.offer_id, policy(), key=idempotency_key,
                                    render=render)
    return PackageOut(**replied(reply, response))


@router.get("/internal/tenants/{tenant_id}/packages")
async def list_packages(tenant_id: uuid.UUID, request: Request, limit: Limit = 50,
                        cursor: Cursor = None) -> PackageList:
    """Newest first (the balance lists the usable ones in the order they pay)."""
    before = decode_optional(cursor)
    async with unit_of_work(pool(request)) as conn:
        now = await conn.fetchval("SELECT now()")
        rows = await store.packages.page_of_tenant(conn, tenant_id, limit=limit + 1, before=before)
    rows, next_cursor = page(rows, limit, at="purchased_at")
    return PackageList(items=[package_out(r, now) for r in rows], next_cursor=next_cursor)
