"""Health: the notifier answers and reaches its database."""

from fastapi import APIRouter, Request

from services.notifier.routes.deps import pool

router = APIRouter()


@router.get("/healthz")
async def healthz(request: Request) -> dict:
    await pool(request).fetchval("SELECT 1")
    return {"status": "ok"}
