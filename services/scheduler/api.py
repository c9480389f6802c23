"""The scheduler's internal HTTP app: its catalog, quotes and jobs' logs and metrics for the
gateway, calls to inference services, and its health."""

from fastapi import FastAPI

from services.common.problems import install_problem_handlers
from services.scheduler.routes import catalog, invoke, job_metrics, logs


def create_app() -> FastAPI:
    app = FastAPI(title="Switchyard scheduler (internal)", version="0.1.0")
    install_problem_handlers(app)
    app.include_router(catalog.router)
    app.include_router(logs.router)
    app.include_router(job_metrics.router)
    app.include_router(invoke.router)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
