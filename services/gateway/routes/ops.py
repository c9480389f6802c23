"""Health and readiness."""

from fastapi import APIRouter, Request

from services.common.problems import Problem

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> dict:
    runtime = request.app.state.runtime
    checks = {"postgres": False, "kafka": False}
    try:
        checks["postgres"] = await runtime.pool.fetchval("SELECT true")
    except Exception:  # noqa: BLE001 - any failure means not ready
        pass
    try:
        checks["kafka"] = await runtime.broker.ping(timeout=2.0)
    except Exception:  # noqa: BLE001
        pass
    if not all(checks.values()):
        raise Problem(503, "Not ready", "A dependency is unreachable.", type_="not-ready", checks=checks)
    return {"status": "ready", "checks": checks}
