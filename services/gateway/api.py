"""The public HTTP API (OpenAPI at /openapi.json, docs at /docs): one router per area."""

from fastapi import FastAPI

from services.common.problems import install_problem_handlers
from services.gateway import console
from services.gateway.body_limit import BodySizeLimit
from services.gateway.config import GatewaySettings, get_gateway_settings
from services.gateway.metrics import RequestMetrics
from services.gateway.openapi import install_openapi
from services.gateway.rate_limit import RateLimits
from services.gateway.routes import (
    admin, api_keys, audit, billing, billing_admin, dead_letters, event_types, flavors, invoke, job_logs, job_metrics,
    jobs, ops, packages, tenants_admin, topics, webhooks,
)


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or get_gateway_settings()
    app = FastAPI(
        title="Switchyard API",
        version="0.1.0",
        description="One front door to many AI-compute clouds. Errors are RFC 9457 application/problem+json.",
    )
    install_problem_handlers(app)
    limits = {f"POST {invoke.router.prefix}{invoke.PATH}": settings.invoke_max_bytes, **settings.body_limits}
    app.add_middleware(BodySizeLimit, default=settings.max_body_bytes, limits=limits)
    # Added last, so it runs first: a refused request is never read.
    app.add_middleware(RateLimits, rate_per_s=settings.rate_limit_per_s, burst=settings.rate_limit_burst,
                       auth_failure_limit=settings.auth_failure_limit,
                       auth_failure_window_s=settings.auth_failure_window_s, admin_token=settings.admin_token)
    # Outermost: it counts every answer, those refused before routing too (their route label is "unmatched").
    if settings.metrics:
        app.add_middleware(RequestMetrics)
    for module in (ops, admin, dead_letters, jobs, job_logs, job_metrics, invoke, flavors, billing, webhooks,
                   packages, billing_admin, topics, event_types):
        app.include_router(module.router)
    for router in (tenants_admin.router, api_keys.router, api_keys.admin_router, audit.router):
        app.include_router(router)
    console.install(app)
    install_openapi(app)
    return app
