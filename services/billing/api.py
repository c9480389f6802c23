"""Billing's internal HTTP API (127.0.0.1 only), one router per area. The gateway authenticates callers
and forwards the public billing routes here (the operator's under /internal/admin); the scheduler and
the gateway ask for placement terms and quotes."""

from fastapi import FastAPI

from services.billing.routes import (
    admin_corrections, admin_offers, admin_price_book, admin_reports, funds, ops, packages, quotes, terms, usage,
)
from services.common.problems import install_problem_handlers


def create_app() -> FastAPI:
    app = FastAPI(title="Switchyard billing (internal)", version="0.2.0")
    install_problem_handlers(app)
    for module in (ops, funds, usage, packages, quotes, terms,
                   admin_offers, admin_price_book, admin_corrections, admin_reports):
        app.include_router(module.router)
    return app
