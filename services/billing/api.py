"""Billing's internal HTTP API (127.0.0.1 only), one router per area. The gateway authenticates callers
and forwards the public billing routes here (the operator's under /internal/admin); the scheduler and
the gateway ask for placement terms and quotes."""

from fastapi import FastAPI, Request

from services.billing.errors import Refusal
from services.billing.routes import (
    admin_corrections, admin_offers, admin_price_book, admin_reports, funds, ops, packages, quotes, terms, usage,
)
from services.billing.routes.deps import refusal
from services.common.problems import install_problem_handlers, problem_response


def create_app() -> FastAPI:
    app = FastAPI(title="Switchyard billing (internal)", version="0.2.0")
    install_problem_handlers(app)

    @app.exception_handler(Refusal)
    async def _refused(request: Request, exc: Refusal):
        problem = refusal(exc)
        return problem_response(request, problem.status, problem.title, problem.detail, problem.type,
                                problem.headers, **problem.extra)

    for module in (ops, funds, usage, packages, quotes, terms,
                   admin_offers, admin_price_book, admin_corrections, admin_reports):
        app.include_router(module.router)
    return app
