"""Internal HTTP API (127.0.0.1 only): the gateway forwards /v1/webhooks, /v1/topics, /v1/subscriptions and
/v1/event-types here, with the caller's tenant in the path."""

from fastapi import FastAPI, Request
from pydantic import BaseModel

from services.common.problems import install_problem_handlers
from services.notifier import api_topics, api_webhooks
from services.notifier.event_types import CATALOG, WEBHOOK_EVENT_TYPES


class EventTypeList(BaseModel):
    items: list[dict]  # {"name", "description", "subscribable", "schema": JSON schema of the body}


def create_app() -> FastAPI:
    app = FastAPI(title="Switchyard notifier (internal)", version="0.2.0")
    install_problem_handlers(app)

    @app.get("/healthz")
    async def healthz(request: Request) -> dict:
        await request.app.state.runtime.pool.fetchval("SELECT 1")
        return {"status": "ok"}

    @app.get("/internal/event-types")
    async def event_types() -> EventTypeList:
        return EventTypeList(items=[
            {"name": info.name, "description": info.description,
             "subscribable": info.name in WEBHOOK_EVENT_TYPES, "schema": info.schema()}
            for info in CATALOG.values()
        ])

    app.include_router(api_webhooks.router)
    app.include_router(api_topics.router)
    return app
