"""Spend: balance, arrears and overdraft; spend per day over 30 days by vendor; packages (remaining of what they
granted, expiry), buying one; monthly statements to download."""

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response

from services.gateway.console import charts, web
from services.gateway.console.web import Console

router = APIRouter(prefix=f"{web.PREFIX}/spend")

DAYS = 30
MAX_PAGES = 20  # 20 pages of 1,000 charges: a month of one job running all the time is 43,200 minutes
MAX_JOBS_NAMED = 200  # jobs looked up for their vendor; the charges of any more count as "other"


def _months(now: datetime, count: int = 3) -> list[str]:
    months, year, month = [], now.year, now.month
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


async def _charges_since(console: Console, since: datetime) -> list[dict]:
    charges, cursor = [], None
    for _ in range(MAX_PAGES):
        answer = await console.get("/v1/usage", limit=1000, cursor=cursor, **{"from": since.isoformat()})
        if not answer.ok:
            break
        charges += answer.body["items"]
        cursor = answer.body.get("next_cursor")
        if not cursor:
            break
    return charges


async def _with_vendors(console: Console, charges: list[dict]) -> list[dict]:
    """The charges, each with its job's vendor and flavor (a charge answers its job, the job where it ran)."""
    job_ids = sorted({c["job_id"] for c in charges})[:MAX_JOBS_NAMED]
    answers = await asyncio.gather(*(console.get(f"/v1/jobs/{job_id}") for job_id in job_ids))
    placed = {job_id: a.body for job_id, a in zip(job_ids, answers) if a.ok}
    return [{**c, "vendor": placed.get(c["job_id"], {}).get("vendor"),
             "flavor": placed.get(c["job_id"], {}).get("flavor")} for c in charges]


async def _page(console: Console, message: str | None = None, error: str | None = None, status: int = 200):
    now = datetime.now(UTC)
    first_day = (now - timedelta(days=DAYS - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    balance = await console.get("/v1/balance")
    packages = await console.get("/v1/packages", limit=100)
    offers = await console.get("/v1/package-offers", limit=100)
    charges = await _with_vendors(console, await _charges_since(console, first_day))
    package_items = packages.body["items"] if packages.ok else []
    return console.page("spend.html", {
        "balance": balance.body if balance.ok else None,
        "chart": charts.spend_by_day(charges, now.date(), DAYS),
        "charges": sorted(charges, key=lambda c: c["created_at"], reverse=True)[:50],
        "packages": list(zip(package_items, charts.package_gauges(package_items))),
        "offers": [o for o in (offers.body["items"] if offers.ok else []) if o.get("active", True)],
        "months": _months(now), "message": message, "error": error, "purchase_key": str(uuid.uuid4()),
    }, status=status)


@router.get("")
async def spend_page(console: Annotated[Console, Depends(web.tenant)]) -> Response:
    return await _page(console)


@router.post("/packages")
async def buy_package(console: Annotated[Console, Depends(web.tenant)],
                      form: Annotated[dict, Depends(web.check_csrf)]) -> Response:
    try:
        offer_id = uuid.UUID(str(form.get("offer_id")))
    except ValueError:
        return await _page(console, error="Choose a package offer.", status=422)
    answer = await console.post("/v1/packages", {"offer_id": str(offer_id)},
                                headers={"Idempotency-Key": str(form.get("idempotency_key") or uuid.uuid4())})
    if not answer.ok:
        return await _page(console, error=answer.problem.get("detail") or "The package was not bought.",
                           status=answer.status)
    return await _page(console, message="Package bought.")


@router.get("/statements/{month}.{fmt}")
async def statement(console: Annotated[Console, Depends(web.tenant)],
                    month: Annotated[str, Path(pattern=r"^\d{4}-\d{2}$")],
                    fmt: Annotated[str, Path(pattern=r"^(json|csv)$")]) -> Response:
    accept = "text/csv" if fmt == "csv" else "application/json"
    answer = await console.call("GET", f"/v1/statements/{month}", headers={"Accept": accept})
    body = answer.body if isinstance(answer.body, str) else json.dumps(answer.body, indent=2)
    return Response(body, status_code=answer.status, media_type=accept,
                    headers={"Content-Disposition": f'attachment; filename="statement-{month}.{fmt}"'})
