"""Internal API for a tenant's webhook endpoints: create, list, rotate the secret, enable, replay, test,
and each delivery with its attempts."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.common.problems import Problem
from services.notifier import event_types, fanout, signing, store, urls
from services.notifier.config import NotifierSettings
from services.notifier.event_types import WebhookEventType

router = APIRouter(prefix="/internal/tenants/{tenant_id}/webhooks")


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=urls.MAX_URL_LENGTH)
    event_types: list[WebhookEventType] = Field(min_length=1, max_length=20)


class Webhook(BaseModel):
    id: uuid.UUID
    url: str
    event_types: list[str]
    status: Literal["enabled", "disabled"]
    disabled_at: datetime | None
    disabled_reason: str | None
    previous_secret_expires_at: datetime | None = Field(description="after a rotation, the old secret signs until then")
    created_at: datetime

    @classmethod
    def of(cls, row) -> "Webhook":
        return cls(**{k: row[k] for k in ("id", "url", "event_types", "disabled_at", "disabled_reason",
                                          "previous_secret_expires_at", "created_at")},
                   status="disabled" if row["disabled_at"] else "enabled")


class WebhookDetail(Webhook):
    failing_since: datetime | None = Field(description="every attempt has failed since then")
    breaker_open_until: datetime | None = Field(description="deliveries are held back until then")


class WebhookCreated(Webhook):
    secret: str = Field(description="Standard Webhooks signing secret; shown only here")


class WebhookList(BaseModel):
    items: list[Webhook]
    next_cursor: str | None = None


class SecretRotated(BaseModel):
    secret: str = Field(description="the new signing secret; shown only here")
    previous_secret_expires_at: datetime = Field(description="both secrets sign each message until then")


class ReplayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: datetime
    until: datetime | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "ReplayIn":
        if self.since.tzinfo is None or (self.until is not None and self.until.tzinfo is None):
            raise ValueError("since and until need a time zone, e.g. 2026-11-01T00:00:00Z")
        if self.until is not None and self.until <= self.since:
            raise ValueError("until must be after since")
        return self


class Replayed(BaseModel):
    replayed: int = Field(description="deliveries queued again, each with its original webhook-id")


class TestSent(BaseModel):
    id: uuid.UUID = Field(description="the delivery, also its webhook-id")
    event_type: str = event_types.TEST_TYPE


class Attempt(BaseModel):
    attempt: int
    status_code: int | None
    latency_ms: int
    error: str | None
    at: datetime


class Delivery(BaseModel):
    id: uuid.UUID = Field(description="also the webhook-id header of every attempt")
    event_type: str
    status: Literal["pending", "delivered", "failed", "cancelled"]
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    next_attempt_at: datetime | None
    attempt_history: list[Attempt] = Field(description="every attempt, oldest first")


class DeliveryList(BaseModel):
    items: list[Delivery]
    next_cursor: str | None = None


def _settings(request: Request) -> NotifierSettings:
    return request.app.state.runtime.settings


def _pool(request: Request):
    return request.app.state.runtime.pool


def not_found(webhook_id: uuid.UUID) -> Problem:
    return Problem(404, "Not found", f"no webhook {webhook_id} for this tenant", type_="not-found")


async def _enabled_endpoint(request: Request, tenant_id: uuid.UUID, webhook_id: uuid.UUID):
    row = await store.get_endpoint(_pool(request), tenant_id, webhook_id)
    if row is None:
        raise not_found(webhook_id)
    if row["disabled_at"] is not None:
        raise Problem(409, "Endpoint disabled", "Enable it first: POST /v1/webhooks/{id}/enable.",
                      type_="endpoint-disabled")
    return row


@router.post("", status_code=201)
async def create_webhook(tenant_id: uuid.UUID, body: WebhookIn, request: Request) -> WebhookCreated:
    try:
        await urls.check(body.url, allow_private=_settings(request).webhook_allow_private)
    except urls.UrlRefused as exc:
        raise Problem(422, "Invalid request", "The webhook URL is refused.", type_="invalid-request",
                      errors=[{"location": "body.url", "message": str(exc), "type": "url_refused"}]) from None
    row = await store.create_endpoint(
        _pool(request), endpoint_id=uuid.uuid4(), tenant_id=tenant_id, url=body.url,
        event_types=sorted(set(body.event_types)), secret=signing.new_secret(),
    )
    return WebhookCreated(**Webhook.of(row).model_dump(), secret=row["secret"])


@router.get("")
async def list_webhooks(tenant_id: uuid.UUID, request: Request) -> WebhookList:
    rows = await store.list_endpoints(_pool(request), tenant_id)
    return WebhookList(items=[Webhook.of(row) for row in rows])


@router.get("/{webhook_id}")
async def get_webhook(tenant_id: uuid.UUID, webhook_id: uuid.UUID, request: Request) -> WebhookDetail:
    row = await store.get_endpoint(_pool(request), tenant_id, webhook_id)
    if row is None:
        raise not_found(webhook_id)
    return WebhookDetail(**Webhook.of(row).model_dump(), failing_since=row["failing_since"],
                         breaker_open_until=row["breaker_open_until"])


@router.delete("/{webhook_id}", status_code=204)
async def delete_webhook(tenant_id: uuid.UUID, webhook_id: uuid.UUID, request: Request) -> Response:
    if not await store.delete_endpoint(_pool(request), tenant_id, webhook_id):
        raise not_found(webhook_id)
    return Response(status_code=204)


@router.post("/{webhook_id}/rotate-secret")
async def rotate_secret(tenant_id: uuid.UUID, webhook_id: uuid.UUID, request: Request) -> SecretRotated:
    grace = timedelta(seconds=_settings(request).webhook_secret_grace_s)
    row = await store.rotate_secret(_pool(request), tenant_id, webhook_id, signing.new_secret(),
                                    datetime.now(UTC) + grace)
    if row is None:
        raise not_found(webhook_id)
    return SecretRotated(secret=row["secret"], previous_secret_expires_at=row["previous_secret_expires_at"])


@router.post("/{webhook_id}/enable")
async def enable_webhook(tenant_id: uuid.UUID, webhook_id: uuid.UUID, request: Request) -> WebhookDetail:
    if not await store.enable_endpoint(_pool(request), tenant_id, webhook_id):
        raise not_found(webhook_id)
    return await get_webhook(tenant_id, webhook_id, request)


@router.post("/{webhook_id}/replay", status_code=202)
async def replay(tenant_id: uuid.UUID, webhook_id: uuid.UUID, body: ReplayIn, request: Request) -> Replayed:
    await _enabled_endpoint(request, tenant_id, webhook_id)
    count = await store.replay(_pool(request), tenant_id, webhook_id, body.since, body.until)
    return Replayed(replayed=count)


@router.post("/{webhook_id}/test", status_code=202)
async def send_test(tenant_id: uuid.UUID, webhook_id: uuid.UUID, request: Request) -> TestSent:
    await _enabled_endpoint(request, tenant_id, webhook_id)
    message = event_types.test_message(tenant_id=tenant_id, endpoint_id=webhook_id, at=datetime.now(UTC))
    delivery_id = fanout.delivery_id(message.id, webhook_id)
    async with _pool(request).acquire() as conn, conn.transaction():
        await store.queue(conn, [store.Queued(delivery_id, "webhook", message.body(), endpoint_id=webhook_id)],
                          tenant_id=tenant_id, event_id=message.id, event_type=message.type)
    return TestSent(id=delivery_id)


@router.get("/{webhook_id}/deliveries")
async def list_deliveries(
    tenant_id: uuid.UUID, webhook_id: uuid.UUID, request: Request,
    limit: Annotated[int, Query(ge=1, le=100)] = 50, cursor: uuid.UUID | None = None,
    status: Literal["pending", "delivered", "failed", "cancelled"] | None = None,
) -> DeliveryList:
    pool = _pool(request)
    if await store.get_endpoint(pool, tenant_id, webhook_id) is None:
        raise not_found(webhook_id)
    rows = await store.list_deliveries(pool, tenant_id, webhook_id, limit=limit + 1, before=cursor, status=status)
    items = [Delivery(**dict(row)) for row in rows[:limit]]
    return DeliveryList(items=items, next_cursor=str(items[-1].id) if len(rows) > limit else None)
