"""The operator's view (admin token only): tenants (create, credit, limits), vendors' health and the catalog
(flavors, prices, availability), the queue (waiting jobs with their reason and position), and margins per vendor
by month and per day."""

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from services.gateway.console import web
from services.gateway.console.web import Console

router = APIRouter(prefix=f"{web.PREFIX}/operator")
KINDS = ("training", "notebook", "inference")


def _margin_bars(items: list[dict]) -> tuple[list[dict], Decimal]:
    rows = [{"vendor": i["key"], "revenue": Decimal(i["revenue"]), "vendor_cost": Decimal(i["vendor_cost"])}
            for i in items]
    highest = max([r["revenue"] for r in rows] + [r["vendor_cost"] for r in rows] + [Decimal(0)])
    return rows, highest


async def _page(console: Console, month: str | None = None, message: str | None = None,
                error: str | None = None, new_key: dict | None = None, status: int = 200) -> Response:
    month = month or datetime.now(UTC).strftime("%Y-%m")
    tenants = await console.get("/v1/admin/tenants", limit=100)
    margins = await console.get("/v1/admin/margins", month=month)
    margin_rows, highest = _margin_bars(margins.body.get("by_vendor", []) if margins.ok else [])
    margin_days = margins.body.get("by_vendor_day", []) if margins.ok else []
    vendors = await console.get("/v1/admin/vendors")
    catalog = {kind: await console.get("/v1/admin/flavors", kind=kind) for kind in KINDS}
    queue = await console.get("/v1/admin/queue", limit=100)
    return console.page("operator.html", {
        "vendors": vendors.body["items"] if vendors.ok else None,
        "catalog": {kind: answer.body["items"] for kind, answer in catalog.items() if answer.ok},
        "queue": queue.body["items"] if queue.ok else [],
        "tenants": tenants.body["items"] if tenants.ok else [], "month": month, "margins": margin_rows, "margin_days": margin_days,
        "margin_scale": highest, "message": message, "error": error, "new_key": new_key}, status=status)


@router.get("")
async def operator_page(console: Annotated[Console, Depends(web.operator)],
                        month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None) -> Response:
    return await _page(console, month)


@router.post("/tenants")
async def create_tenant(console: Annotated[Console, Depends(web.operator)],
                        form: Annotated[dict, Depends(web.check_csrf)]) -> Response:
    answer = await console.post("/v1/admin/tenants", {"name": str(form.get("name") or "").strip()})
    if not answer.ok:
        return await _page(console, error=_detail(answer.problem), status=answer.status)
    return await _page(console, message=f"Tenant {answer.body['name']} created.", new_key=answer.body)


@router.post("/tenants/{tenant_id}/credit")
async def credit(tenant_id: uuid.UUID, console: Annotated[Console, Depends(web.operator)],
                 form: Annotated[dict, Depends(web.check_csrf)]) -> Response:
    answer = await console.post(f"/v1/admin/tenants/{tenant_id}/credit",
                                {"amount": str(form.get("amount") or "").strip()})
    if not answer.ok:
        return await _page(console, error=_detail(answer.problem), status=answer.status)
    return await _page(console, message=f"Credited: the balance is {answer.body['balance']} {answer.body['currency']}.")


@router.post("/tenants/{tenant_id}/limits")
async def limits(tenant_id: uuid.UUID, console: Annotated[Console, Depends(web.operator)],
                 form: Annotated[dict, Depends(web.check_csrf)]) -> Response:
    body = {}
    for name in ("max_concurrent_jobs", "max_concurrent_accelerators"):
        text = str(form.get(name) or "").strip()
        if text and not text.isdigit():
            return await _page(console, error=f"{name.replace('_', ' ')}: a whole number, or empty for no limit.",
                               status=422)
        body[name] = int(text) if text else None
    answer = await console.call("PUT", f"/v1/admin/tenants/{tenant_id}/limits", json=body)
    if not answer.ok:
        return await _page(console, error=_detail(answer.problem), status=answer.status)
    return await _page(console, message="Limits set.")


def _detail(problem: dict) -> str:
    errors = problem.get("errors")
    if errors:
        return "; ".join(f"{e.get('location', '')}: {e.get('message', '')}" for e in errors)
    return problem.get("detail") or problem.get("title") or "Refused."
