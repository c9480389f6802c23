"""Internal HTTP API: tenants' webhook endpoints and their deliveries. The gateway proxies /v1/webhooks here."""

import uuid
from datetime import datetime

from fastapi import FastAPI, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from services.common.problems import Problem, install_problem_handlers
from services.common.runtime import Runtime
from services.notifier import signing, store, urls
from services.notifier.event_types import WebhookEventType

DELIVERIES_LIMIT = 100


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=urls.MAX_URL_LENGTH)
    event_types: list[WebhookEventType] = Field(min_length=1, max_length=20)


class Webhook(BaseModel):
    id: uuid.UUID
    url: str
    event_types: list[str]
    created_at: datetime


class WebhookCreated(Webhook):
    secret: str = Field(description="Standard Webhooks signing secret; shown only here")


class WebhookList(BaseModel):
    items: list[Webhook]
    next_cursor: str | None = None


class Delivery(BaseModel):
    id: uuid.UUID = Field(description="also the webhook-id header of every attempt")
    event_type: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class DeliveryList(BaseModel):
    items: list[Delivery]
    next_cursor: str | None = None


def _runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def _not_found(webhook_id: uuid.UUID) -> Problem:
    return Problem(404, "Not found", f"no webhook {webhook_id} for this tenant", type_="not-found")


def create_app() -> FastAPI:
    app = FastAPI(title="Switchyard notifier (internal)", version="0.1.0")
    install_problem_handlers(app)
    base = "/internal/tenants/{tenant_id}/webhooks"

    @app.get("/healthz")
    async def healthz(request: Request) -> dict:
        await _runtime(request).pool.fetchval("SELECT 1")
        return {"status": "ok"}

    @app.post(base, status_code=201)
    async def create_webhook(tenant_id: uuid.UUID, body: WebhookIn, request: Request) -> WebhookCreated:
        runtime = _runtime(request)
        try:
            await urls.check(body.url, allow_private=runtime.settings.webhook_allow_private)
        except urls.UrlRefused as exc:
            raise Problem(422, "Invalid request", "The webhook URL is refused.", type_="invalid-request",
                          errors=[{"location": "body.url", "message": str(exc), "type": "url_refused"}]) from None
        row = await store.create_endpoint(
            runtime.pool, endpoint_id=uuid.uuid4(), tenant_id=tenant_id, url=body.url,
            event_types=sorted(set(body.event_types)), secret=signing.new_secret(),
        )
        return WebhookCreated(**dict(row))

    @app.get(base)
    async def list_webhooks(tenant_id: uuid.UUID, request: Request) -> WebhookList:
        rows = await store.list_endpoints(_runtime(request).pool, tenant_id)
        return WebhookList(items=[Webhook(**dict(row)) for row in rows])

    @app.delete(base + "/{webhook_id}", status_code=204)
    async def delete_webhook(tenant_id: uuid.UUID, webhook_id: uuid.UUID, request: Request) -> Response:
        if not await store.delete_endpoint(_runtime(request).pool, tenant_id, webhook_id):
            raise _not_found(webhook_id)
        return Response(status_code=204)

    @app.get(base + "/{webhook_id}/deliveries")
    async def list_deliveries(tenant_id: uuid.UUID, webhook_id: uuid.UUID, request: Request) -> DeliveryList:
        pool = _runtime(request).pool
        if not await store.endpoint_exists(pool, tenant_id, webhook_id):
            raise _not_found(webhook_id)
        rows = await store.list_deliveries(pool, tenant_id, webhook_id, DELIVERIES_LIMIT)
        return DeliveryList(items=[Delivery(**dict(row)) for row in rows])

    return app
