"""Webhook endpoints, answered by the notifier service."""

import uuid

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from services.gateway.proxy import forward
from services.gateway.routes.deps import Tenant, internal, settings

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


class WebhookIn(BaseModel):
    url: str
    event_types: list[str]


@router.post("", status_code=201)
async def create_webhook(body: WebhookIn, request: Request, tenant_id: Tenant) -> Response:
    return await forward(internal(request), "POST", f"{settings(request).notifier_url}/internal/tenants/{tenant_id}/webhooks",
                         json=body.model_dump())


@router.get("")
async def list_webhooks(request: Request, tenant_id: Tenant) -> Response:
    return await forward(internal(request), "GET", f"{settings(request).notifier_url}/internal/tenants/{tenant_id}/webhooks")


@router.delete("/{webhook_id}", status_code=204)
async def delete_webhook(webhook_id: uuid.UUID, request: Request, tenant_id: Tenant) -> Response:
    return await forward(internal(request), "DELETE",
                         f"{settings(request).notifier_url}/internal/tenants/{tenant_id}/webhooks/{webhook_id}")


@router.get("/{webhook_id}/deliveries")
async def webhook_deliveries(webhook_id: uuid.UUID, request: Request, tenant_id: Tenant) -> Response:
    return await forward(internal(request), "GET",
                         f"{settings(request).notifier_url}/internal/tenants/{tenant_id}/webhooks/{webhook_id}/deliveries")
