"""The operator's tenants (admin token): create, list, read, credit, limits, caps, suspend and resume.

A suspended tenant's keys answer 403 `tenant-suspended`; its queued jobs wait (the scheduler, told by a
`TenantStatusSet` through the outbox, places none of them) and are placed after the resume; its running jobs keep
running and are billed as before.

A tenant's caps (services/gateway/tenant_caps.py) are each the gateway's default unless the operator set an
override for it; a change holds from the tenant's next request on, on every replica (each create reads it)."""

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from contracts.events import TenantLimitsSet, TenantStatusSet
from contracts.inputs import Int32, Text
from contracts.money import AMOUNT_PATTERN
from services.common.unit_of_work import unit_of_work
from services.gateway import tenant_caps
from services.gateway.config import GatewaySettings
from services.gateway.openapi import UPSTREAM_UNAVAILABLE
from services.gateway.audit import AuditedRoute, record_in
from services.gateway.auth import require_admin
from services.gateway.cursor import decode_cursor, encode_cursor
from services.gateway.proxy import forward
from services.gateway.routes.deps import internal, issue_api_key, not_found, pool, settings
from services.gateway.store import tenants

router = APIRouter(prefix="/v1/admin/tenants", tags=["admin"], dependencies=[Depends(require_admin)],
                   route_class=AuditedRoute)


class TenantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=200)


class TenantOut(BaseModel):
    id: uuid.UUID
    name: str
    api_key: str = Field(description="the tenant's first key (named default); shown once, only its hash is stored")
    api_key_id: uuid.UUID


class LimitsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_concurrent_jobs: Int32 | None = Field(None, ge=0, description="null = unlimited")
    max_concurrent_accelerators: Int32 | None = Field(None, ge=0, description="null = unlimited")


def _override(cap: tenant_caps.TenantCap, what: str):
    return Field(None, ge=1, description=f"{what}; null: the default (SWITCHYARD_{cap.setting.upper()})")


class CapsBody(BaseModel):
    """The tenant's overrides of its caps, all replaced: a cap left out or null has the default."""
    model_config = ConfigDict(extra="forbid")

    webhooks: Int32 | None = _override(tenant_caps.WEBHOOKS, "the most webhooks the tenant may have")
    topics: Int32 | None = _override(tenant_caps.TOPICS, "the most topics the tenant may have")
    subscriptions_per_topic: Int32 | None = _override(tenant_caps.SUBSCRIPTIONS_PER_TOPIC,
                                                      "the most subscriptions one of its topics may have")
    confirmation_emails_per_hour: Int32 | None = _override(
        tenant_caps.CONFIRMATION_EMAILS_PER_HOUR, "the most subscription confirmation e-mails it may have sent "
                                                  "within an hour")
    open_jobs: Int32 | None = _override(tenant_caps.OPEN_JOBS, "the most jobs not yet SUCCEEDED, FAILED or STOPPED "
                                                               "it may have")


class CapInForce(BaseModel):
    override: int | None = Field(description="the tenant's own limit; null: the default holds")
    default: int = Field(description="the limit of every tenant without an override (the gateway's setting)")
    limit: int = Field(description="the limit in force: the override if set, else the default")


class TenantCaps(BaseModel):
    webhooks: CapInForce
    topics: CapInForce
    subscriptions_per_topic: CapInForce
    confirmation_emails_per_hour: CapInForce
    open_jobs: CapInForce


class TenantSummary(BaseModel):
    id: uuid.UUID
    name: str
    status: Literal["active", "suspended"]
    status_changed_at: datetime | None
    created_at: datetime
    limits: LimitsBody
    caps: TenantCaps


class TenantList(BaseModel):
    items: list[TenantSummary]
    next_cursor: str | None


class CreditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: str = Field(pattern=AMOUNT_PATTERN, examples=["100.00"])


def _caps(row, defaults: GatewaySettings) -> TenantCaps:
    return TenantCaps(**{cap.name: CapInForce(override=row[cap.column], default=cap.default(defaults),
                                              limit=cap.limit(row, defaults)) for cap in tenant_caps.ALL})


def _summary(row, defaults: GatewaySettings) -> TenantSummary:
    return TenantSummary(id=row["id"], name=row["name"], status=row["status"],
                         status_changed_at=row["status_changed_at"], created_at=row["created_at"],
                         limits=LimitsBody(max_concurrent_jobs=row["max_concurrent_jobs"],
                                           max_concurrent_accelerators=row["max_concurrent_accelerators"]),
                         caps=_caps(row, defaults))


@router.post("", status_code=201, response_model=TenantOut)
async def create_tenant(body: TenantIn, request: Request) -> TenantOut:
    async with unit_of_work(pool(request)) as conn:
        tenant_id = await tenants.create_tenant(conn, body.name)
        key, api_key = await issue_api_key(conn, tenant_id, "default", None)
        request.state.audit_tenant_id = tenant_id
        await record_in(conn, request, 201, tenant_id)
    return TenantOut(id=tenant_id, name=body.name, api_key=api_key, api_key_id=key["id"])


@router.get("", response_model=TenantList)
async def list_tenants(request: Request, limit: Annotated[int, Query(ge=1, le=200)] = 50,
                       cursor: str | None = None) -> TenantList:
    """Newest first."""
    after = decode_cursor(cursor) if cursor else None
    rows = await tenants.list_tenants(pool(request), limit + 1, after)
    next_cursor = encode_cursor(rows[limit - 1]["created_at"], rows[limit - 1]["id"]) if len(rows) > limit else None
    return TenantList(items=[_summary(r, settings(request)) for r in rows[:limit]], next_cursor=next_cursor)


@router.get("/{tenant_id}", response_model=TenantSummary)
async def get_tenant(tenant_id: uuid.UUID, request: Request) -> TenantSummary:
    row = await tenants.tenant(pool(request), tenant_id)
    if row is None:
        raise not_found("tenant")
    return _summary(row, settings(request))


async def _set_status(request: Request, tenant_id: uuid.UUID, status: str) -> TenantSummary:
    async with unit_of_work(pool(request)) as conn:
        row = await tenants.set_status(conn, TenantStatusSet(tenant_id=tenant_id, status=status,
                                                             set_at=datetime.now(UTC)))
        if row is None:
            raise not_found("tenant")
        await record_in(conn, request, 200)
    return _summary(row, settings(request))


@router.post("/{tenant_id}/suspend", response_model=TenantSummary)
async def suspend_tenant(tenant_id: uuid.UUID, request: Request) -> TenantSummary:
    """Its keys answer 403 `tenant-suspended` from the next request on; its queued jobs are not placed until it
    is resumed; its running jobs keep running. Suspending a suspended tenant changes nothing."""
    return await _set_status(request, tenant_id, "suspended")


@router.post("/{tenant_id}/resume", response_model=TenantSummary)
async def resume_tenant(tenant_id: uuid.UUID, request: Request) -> TenantSummary:
    """Its keys work again and its queued jobs are placed again."""
    return await _set_status(request, tenant_id, "active")


@router.post("/{tenant_id}/credit", responses={200: {"description": '{"balance", "currency"}'}, **UPSTREAM_UNAVAILABLE})
async def credit_tenant(tenant_id: uuid.UUID, body: CreditIn, request: Request,
                        idempotency_key: Annotated[str | None, Header(max_length=255)] = None) -> Response:
    """Top up a tenant's balance. With an Idempotency-Key, a retried top-up credits once."""
    if not await tenants.tenant_exists(pool(request), tenant_id):
        raise not_found("tenant")
    return await forward(internal(request), "POST", f"{settings(request).billing_url}/internal/tenants/{tenant_id}/credit",
                         json=body.model_dump(), params={"idempotency_key": idempotency_key} if idempotency_key else None)


@router.put("/{tenant_id}/limits", response_model=LimitsBody)
async def set_limits(tenant_id: uuid.UUID, body: LimitsBody, request: Request) -> LimitsBody:
    """Per-tenant limits on concurrent work; a job over them waits in the queue with reason `quota`."""
    event = TenantLimitsSet(tenant_id=tenant_id, set_at=datetime.now(UTC), **body.model_dump())
    async with unit_of_work(pool(request)) as conn:
        if not await tenants.set_limits(conn, event):
            raise not_found("tenant")
    return body


@router.get("/{tenant_id}/limits", response_model=LimitsBody)
async def get_limits(tenant_id: uuid.UUID, request: Request) -> LimitsBody:
    row = await tenants.tenant(pool(request), tenant_id)
    if row is None:
        raise not_found("tenant")
    return LimitsBody(max_concurrent_jobs=row["max_concurrent_jobs"],
                      max_concurrent_accelerators=row["max_concurrent_accelerators"])


@router.put("/{tenant_id}/caps", response_model=TenantCaps)
async def set_caps(tenant_id: uuid.UUID, body: CapsBody, request: Request) -> TenantCaps:
    """Replace the tenant's overrides of its caps (null or left out: the default). They hold from its next create
    on; what it holds already past a lowered cap stays, and only new creates are refused (409 `cap-reached`)."""
    overrides = {cap.column: getattr(body, cap.name) for cap in tenant_caps.ALL}
    async with unit_of_work(pool(request)) as conn:
        row = await tenants.set_caps(conn, tenant_id, overrides)
        if row is None:
            raise not_found("tenant")
    return _caps(row, settings(request))


@router.get("/{tenant_id}/caps", response_model=TenantCaps)
async def get_caps(tenant_id: uuid.UUID, request: Request) -> TenantCaps:
    """Each cap's override for the tenant (null: none), its default and the limit in force."""
    row = await tenants.tenant(pool(request), tenant_id)
    if row is None:
        raise not_found("tenant")
    return _caps(row, settings(request))
