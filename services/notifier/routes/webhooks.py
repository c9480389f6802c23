"""Routes for a tenant's webhook endpoints: create, list, rotate the secret, enable, replay, test,
and each delivery with its attempts."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.inputs import Text, Timestamp
from contracts.subscriptions import MAX_EVENT_TYPES, MAX_URL_LENGTH
from services.common import caps
from services.common.problems import Problem
from services.common.unit_of_work import unit_of_work
from services.notifier import event_types, fanout, signing, urls
from services.notifier.event_types import WebhookEventType
from services.common.cursor import Cursor, Limit, decode_optional, page
from services.notifier.routes.deps import CapLimit, invalid, not_found, pool, settings
from services.notifier.store import Db, deliveries, endpoints, target_health

router = APIRouter(prefix="/internal/tenants/{tenant_id}/webhooks")


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Text = Field(min_length=1, max_length=MAX_URL_LENGTH)
    event_types: list[WebhookEventType] = Field(min_length=1, max_length=MAX_EVENT_TYPES)


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

    since: Timestamp
    until: Timestamp | None = None

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


ENDPOINT_DELETED = "endpoint deleted"  # why a deleted endpoint's queued deliveries are cancelled


def webhook_not_found(webhook_id: uuid.UUID) -> Problem:
    return not_found(f"no webhook {webhook_id} for this tenant")


async def _enabled_endpoint(db: Db, tenant_id: uuid.UUID, webhook_id: uuid.UUID):
    row = await endpoints.get(db, tenant_id, webhook_id)
    if row is None:
        raise webhook_not_found(webhook_id)
    if row["disabled_at"] is not None:
        raise Problem(409, "Endpoint disabled", "Enable it first: POST /v1/webhooks/{id}/enable.",
                      type_="endpoint-disabled")
    return row


@router.post("", status_code=201)
async def create_webhook(tenant_id: uuid.UUID, body: WebhookIn, request: Request,
                         max_webhooks_per_tenant: CapLimit) -> WebhookCreated:
    try:
        await urls.check(body.url, allow_private=settings(request).webhook_allow_private)
    except urls.UrlRefused as exc:
        raise invalid("body.url", str(exc), detail="The webhook URL is refused.", error_type="url_refused") from None
    cap = caps.Cap("max_webhooks_per_tenant", max_webhooks_per_tenant, "webhooks")
    async with unit_of_work(pool(request)) as conn:
        await caps.lock(conn, cap.name, tenant_id)
        if not cap.allows(await endpoints.count_live(conn, tenant_id)):
            raise caps.cap_reached(cap)
        row = await endpoints.create(
            conn, endpoint_id=uuid.uuid4(), tenant_id=tenant_id, url=body.url,
            event_types=sorted(set(body.event_types)), secret=signing.new_secret(),
        )
    return WebhookCreated(**Webhook.of(row).model_dump(), secret=row["secret"])


@router.get("")
async def list_webhooks(tenant_id: uuid.UUID, request: Request, limit: Limit = 50,
                        cursor: Cursor = None) -> WebhookList:
    """Oldest first."""
    rows, next_cursor = page(await endpoints.of_tenant(pool(request), tenant_id, limit=limit + 1,
                                                       after=decode_optional(cursor)), limit)
    return WebhookList(items=[Webhook.of(row) for row in rows], next_cursor=next_cursor)


@router.get("/{webhook_id}")
async def get_webhook(tenant_id: uuid.UUID, webhook_id: uuid.UUID, request: Request) -> WebhookDetail:
    row = await endpoints.get(pool(request), tenant_id, webhook_id)
    if row is None:
        raise webhook_not_found(webhook_id)
    return WebhookDetail(**Webhook.of(row).model_dump(), failing_since=row["failing_since"],
                         breaker_open_until=row["breaker_open_until"])


@router.delete("/{webhook_id}", status_code=204)
async def delete_webhook(tenant_id: uuid.UUID, webhook_id: uuid.UUID, request: Request) -> Response:
    # Soft-deleted, and what it still had queued is cancelled with it.
    async with unit_of_work(pool(request)) as conn:
        if not await endpoints.delete(conn, tenant_id, webhook_id):
            raise webhook_not_found(webhook_id)
        await deliveries.cancel_pending(conn, [webhook_id], ENDPOINT_DELETED)
    return Response(status_code=204)


@router.post("/{webhook_id}/rotate-secret")
async def rotate_secret(tenant_id: uuid.UUID, webhook_id: uuid.UUID, request: Request) -> SecretRotated:
    grace = timedelta(seconds=settings(request).webhook_secret_grace_s)
    row = await endpoints.rotate_secret(pool(request), tenant_id, webhook_id, signing.new_secret(),
                                        datetime.now(UTC) + grace)
    if row is None:
        raise webhook_not_found(webhook_id)
    return SecretRotated(secret=row["secret"], previous_secret_expires_at=row["previous_secret_expires_at"])


@router.post("/{webhook_id}/enable")
async def enable_webhook(tenant_id: uuid.UUID, webhook_id: uuid.UUID, request: Request) -> WebhookDetail:
    # Enabled again with a clean health record.
    async with unit_of_work(pool(request)) as conn:
        if not await endpoints.enable(conn, tenant_id, webhook_id):
            raise webhook_not_found(webhook_id)
        await target_health.forget(conn, [webhook_id])
    return await get_webhook(tenant_id, webhook_id, request)


@router.post("/{webhook_id}/replay", status_code=202)
async def replay(tenant_id: uuid.UUID, webhook_id: uuid.UUID, body: ReplayIn, request: Request) -> Replayed:
    async with unit_of_work(pool(request)) as conn:
        await _enabled_endpoint(conn, tenant_id, webhook_id)
        count = await deliveries.replay(conn, tenant_id, webhook_id, body.since, body.until)
    return Replayed(replayed=count)


@router.post("/{webhook_id}/test", status_code=202)
async def send_test(tenant_id: uuid.UUID, webhook_id: uuid.UUID, request: Request) -> TestSent:
    message = event_types.test_message(tenant_id=tenant_id, endpoint_id=webhook_id, at=datetime.now(UTC))
    delivery_id = fanout.delivery_id(message.id, webhook_id)
    async with unit_of_work(pool(request)) as conn:
        await _enabled_endpoint(conn, tenant_id, webhook_id)
        await deliveries.queue(
            conn, [deliveries.Queued(delivery_id, "webhook", message.body(), endpoint_id=webhook_id)],
            tenant_id=tenant_id, event_id=message.id, event_type=message.type)
    return TestSent(id=delivery_id)


@router.get("/{webhook_id}/deliveries")
async def list_deliveries(
    tenant_id: uuid.UUID, webhook_id: uuid.UUID, request: Request,
    limit: Limit = 50, cursor: Cursor = None,
    status: Literal["pending", "delivered", "failed", "cancelled"] | None = None,
) -> DeliveryList:
    """Newest first."""
    db, before = pool(request), decode_optional(cursor)
    if await endpoints.get(db, tenant_id, webhook_id) is None:
        raise webhook_not_found(webhook_id)
    rows, next_cursor = page(await deliveries.of_endpoint(db, tenant_id, webhook_id, limit=limit + 1,
                                                          before=before, status=status), limit)
    return DeliveryList(items=[Delivery(**dict(row)) for row in rows], next_cursor=next_cursor)
