"""Webhook endpoints, answered by the notifier service."""

import uuid
from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from contracts.inputs import Text
from contracts.subscriptions import MAX_EVENT_TYPES, MAX_URL_LENGTH

from services.gateway.openapi import UPSTREAM_UNAVAILABLE
from services.gateway.paging import Cursor, Limit, paging
from services.gateway.proxy import forward
from services.gateway.routes.deps import Tenant, caps_to_pass, internal, settings
from services.gateway.tenant_caps import WEBHOOKS
from services.gateway.written_time import WrittenTimestamp

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], responses=UPSTREAM_UNAVAILABLE)


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Text = Field(min_length=1, max_length=MAX_URL_LENGTH, description="where the events are POSTed")
    event_types: list[Text] = Field(min_length=1, max_length=MAX_EVENT_TYPES, examples=[["job.failed", "job.succeeded"]])


class ReplayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: WrittenTimestamp
    until: WrittenTimestamp | None = None


def _url(request: Request, tenant_id: uuid.UUID, rest: str = "") -> str:
    return f"{settings(request).notifier_url}/internal/tenants/{tenant_id}/webhooks{rest}"


@router.post("", status_code=201, responses={
    409: {"description": "cap-reached (`cap`, `limit`): the tenant has as many webhooks as it may"}})
async def create_webhook(body: WebhookIn, request: Request, tenant_id: Tenant) -> Response:
    """Register an endpoint; the answer holds its signing secret, shown only here."""
    return await forward(internal(request), "POST", _url(request, tenant_id), json=body.model_dump(),
                         params=await caps_to_pass(request, tenant_id, WEBHOOKS))


@router.get("", responses={200: {"description": '{"items": [webhook, ...], "next_cursor"}, oldest first'}})
async def list_webhooks(request: Request, tenant_id: Tenant, limit: Limit = 50, cursor: Cursor = None) -> Response:
    return await forward(internal(request), "GET", _url(request, tenant_id), params=paging(limit, cursor))


@router.get("/{webhook_id}")
async def get_webhook(webhook_id: uuid.UUID, request: Request, tenant_id: Tenant) -> Response:
    """The endpoint with its health: enabled or disabled, failing since, breaker open until."""
    return await forward(internal(request), "GET", _url(request, tenant_id, f"/{webhook_id}"))


@router.delete("/{webhook_id}", status_code=204)
async def delete_webhook(webhook_id: uuid.UUID, request: Request, tenant_id: Tenant) -> Response:
    return await forward(internal(request), "DELETE", _url(request, tenant_id, f"/{webhook_id}"))


@router.post("/{webhook_id}/rotate-secret")
async def rotate_secret(webhook_id: uuid.UUID, request: Request, tenant_id: Tenant) -> Response:
    """A new signing secret; the previous one keeps signing (a second signature) for 24 hours."""
    return await forward(internal(request), "POST", _url(request, tenant_id, f"/{webhook_id}/rotate-secret"))


@router.post("/{webhook_id}/enable")
async def enable_webhook(webhook_id: uuid.UUID, request: Request, tenant_id: Tenant) -> Response:
    """Bring back an endpoint disabled after failing for days; replay what it missed with /replay."""
    return await forward(internal(request), "POST", _url(request, tenant_id, f"/{webhook_id}/enable"))


@router.post("/{webhook_id}/replay", status_code=202)
async def replay(webhook_id: uuid.UUID, body: ReplayIn, request: Request, tenant_id: Tenant) -> Response:
    """Send again every delivery created in [since, until), with its original webhook-id."""
    return await forward(internal(request), "POST", _url(request, tenant_id, f"/{webhook_id}/replay"),
                         json=body.model_dump(mode="json"))


@router.post("/{webhook_id}/test", status_code=202)
async def send_test(webhook_id: uuid.UUID, request: Request, tenant_id: Tenant) -> Response:
    """Send a signed `webhook.test` message to this endpoint."""
    return await forward(internal(request), "POST", _url(request, tenant_id, f"/{webhook_id}/test"))


@router.get("/{webhook_id}/deliveries",
            responses={200: {"description": '{"items": [delivery, ...], "next_cursor"}, newest first'}})
async def webhook_deliveries(webhook_id: uuid.UUID, request: Request, tenant_id: Tenant,
                             limit: Limit = 50, cursor: Cursor = None,
                             status: Literal["pending", "delivered", "failed", "cancelled"] | None = None) -> Response:
    """Newest first, each with every attempt: status code, latency, error."""
    params = paging(limit, cursor) | ({"status": status} if status else {})
    return await forward(internal(request), "GET", _url(request, tenant_id, f"/{webhook_id}/deliveries"),
                         params=params)
