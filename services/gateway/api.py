"""The public HTTP API (OpenAPI at /openapi.json, docs at /docs): one router per area."""

from fastapi import FastAPI

from services.common.problems import install_problem_handlers
from services.gateway.routes import (
    admin, billing, billing_admin, event_types, flavors, jobs, ops, packages, topics, webhooks,
)


def create_app() -> FastAPI:
    app = FastAPI(
        title="Switchyard API",
        version="0.1.0",
        description="One front door to many AI-compute clouds. Errors are RFC 9457 application/problem+json.",
    )
    install_problem_handlers(app)
    for module in (ops, admin, jobs, flavors, billing, webhooks, packages, billing_admin, topics, event_types):
        app.include_router(module.router)
    return app
