"""The public HTTP API (OpenAPI at /openapi.json, docs at /docs)."""

import uuid
from datetime import datetime
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Body, Depends, FastAPI, Header, Query, Request, Response
from pydantic import BaseModel, Field, ValidationError

from contracts.jobs import JobSpec
from contracts.money import CURRENCY, format_amount
from contracts.status import JobStatus
from services.common.problems import Problem, install_problem_handlers
from services.gateway import store
from services.gateway.auth import hash_api_key, new_api_key, require_admin, require_tenant
from services.gateway.cursor import decode_cursor, encode_cursor
from services.gateway.idempotency import request_fingerprint
from services.gateway.proxy import forward

Tenant = Annotated[uuid.UUID, Depends(require_tenant)]


class Money(BaseModel):
    amount: str = Field(examples=["12.34"])
    currency: str = CURRENCY


class JobOut(BaseModel):
    id: uuid.UUID
    kind: str
    name: str
    status: JobStatus
    status_reason: str | None
    vendor: str | None
    vendor_job_id: str | None
    flavor: str | None
    resources: dict[str, Any]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    cost: Money


class JobList(BaseModel):
    items: list[JobOut]
    next_cursor: str | None


class JobEventOut(BaseModel):
    position: int
    from_status: JobStatus | None
    to_status: JobStatus
    raw_status: str | None
    reason: str | None
    vendor_time: datetime | None
    observed_at: datetime


class JobEventList(BaseModel):
    items: list[JobEventOut]
    next_cursor: str | None = None


class TenantIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class TenantOut(BaseModel):
    id: uuid.UUID
    name: str
    api_key: str = Field(description="shown once; only its hash is stored")


class CreditIn(BaseModel):
    amount: str = Field(examples=["100.00"])


class WebhookIn(BaseModel):
    url: str
    event_types: list[str]


def _job_out(row) -> JobOut:
    return JobOut(
        id=row["id"], kind=row["kind"], name=row["name"], status=row["status"], status_reason=row["status_reason"],
        vendor=row["vendor"], vendor_job_id=row["vendor_job_id"], flavor=row["flavor"],
        resources=row["spec"]["resources"], created_at=row["created_at"], started_at=row["started_at"],
        finished_at=row["finished_at"], cost=Money(amount=format_amount(row["cost"])),
    )


def _not_found(what: str) -> Problem:
    return Problem(404, "Not found", f"No {what} with that id.", type_="not-found")


def _pool(request: Request):
    return request.app.state.runtime.pool


def _internal(request: Request) -> httpx.AsyncClient:
    return request.app.state.internal_client


def _settings(request: Request):
    return request.app.state.runtime.settings


ops = APIRouter(tags=["operations"])
admin = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[Depends(require_admin)])
jobs = APIRouter(prefix="/v1/jobs", tags=["jobs"])
money = APIRouter(prefix="/v1", tags=["billing"])
webhooks = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


@ops.get("/healthz")
async def healthz() -> dict:
    return {"status": "ok"}


@ops.get("/readyz")
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


@admin.post("/tenants", status_code=201, response_model=TenantOut)
async def create_tenant(body: TenantIn, request: Request) -> TenantOut:
    api_key = new_api_key()
    tenant_id = await store.create_tenant(_pool(request), body.name, hash_api_key(api_key))
    return TenantOut(id=tenant_id, name=body.name, api_key=api_key)


@admin.post("/tenants/{tenant_id}/credit", responses={200: {"description": '{"balance", "currency"}'}})
async def credit_tenant(tenant_id: uuid.UUID, body: CreditIn, request: Request) -> Response:
    if not await store.tenant_exists(_pool(request), tenant_id):
        raise _not_found("tenant")
    return await forward(_internal(request), "POST", f"{_settings(request).billing_url}/internal/tenants/{tenant_id}/credit",
                         json=body.model_dump())


@jobs.post("", status_code=202, response_model=JobOut)
async def submit_job(
    request: Request,
    response: Response,
    tenant_id: Tenant,
    body: Annotated[dict[str, Any], Body(openapi_examples={"training": {"value": {
        "kind": "training", "name": "resnet50", "image": "swr.cn-north-4.myhuaweicloud.com/demo/pytorch:2.1",
        "command": "python train.py", "resources": {"accelerator": "ascend-910b", "count": 1},
        "env": {"EPOCHS": "3"}, "max_runtime_s": 3600}}})],
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> JobOut:
    try:
        spec = JobSpec.model_validate(body)
    except ValidationError as exc:
        errors = [{"location": ".".join(str(p) for p in e["loc"]), "message": e["msg"], "type": e["type"]}
                  for e in exc.errors()]
        raise Problem(422, "Invalid job", "The job spec is invalid.", type_="invalid-job", errors=errors) from None
    try:
        job, created = await store.submit_job(_pool(request), tenant_id, spec, idempotency_key,
                                              request_fingerprint(spec.model_dump(mode="json")))
    except store.IdempotencyConflict:
        raise Problem(409, "Idempotency key reused", "This Idempotency-Key was used with a different body.",
                      type_="idempotency-conflict") from None
    response.headers["Location"] = f"/v1/jobs/{job['id']}"
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return _job_out(job)


@jobs.get("", response_model=JobList)
async def list_jobs(
    request: Request, tenant_id: Tenant,
    status: JobStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> JobList:
    after = decode_cursor(cursor) if cursor else None
    rows = await store.list_jobs(_pool(request), tenant_id, status, limit + 1, after)
    next_cursor = encode_cursor(rows[limit - 1]["created_at"], rows[limit - 1]["id"]) if len(rows) > limit else None
    return JobList(items=[_job_out(r) for r in rows[:limit]], next_cursor=next_cursor)


@jobs.get("/{job_id}", response_model=JobOut)
async def get_job(job_id: uuid.UUID, request: Request, tenant_id: Tenant) -> JobOut:
    job = await store.get_job(_pool(request), tenant_id, job_id)
    if job is None:
        raise _not_found("job")
    return _job_out(job)


@jobs.post("/{job_id}/cancel", status_code=202, response_model=JobOut)
async def cancel_job(job_id: uuid.UUID, request: Request, tenant_id: Tenant) -> JobOut:
    job = await store.request_cancel(_pool(request), tenant_id, job_id)
    if job is None:
        raise _not_found("job")
    if JobStatus(job["status"]).is_terminal:
        raise Problem(409, "Job already finished", f"The job is {job['status']}; there is nothing to cancel.",
                      type_="job-finished")
    return _job_out(job)


@jobs.get("/{job_id}/events", response_model=JobEventList)
async def job_events(job_id: uuid.UUID, request: Request, tenant_id: Tenant) -> JobEventList:
    if await store.get_job(_pool(request), tenant_id, job_id) is None:
        raise _not_found("job")
    rows = await store.job_events(_pool(request), job_id)
    return JobEventList(items=[JobEventOut(**dict(r)) for r in rows])


@money.get("/balance")
async def balance(request: Request, tenant_id: Tenant) -> Response:
    return await forward(_internal(request), "GET", f"{_settings(request).billing_url}/internal/tenants/{tenant_id}/balance")


@money.get("/usage")
async def usage(request: Request, tenant_id: Tenant, job_id: uuid.UUID | None = None,
                limit: Annotated[int, Query(ge=1, le=1000)] = 500, cursor: str | None = None) -> Response:
    params = {"limit": limit} | ({"job_id": str(job_id)} if job_id else {}) | ({"cursor": cursor} if cursor else {})
    return await forward(_internal(request), "GET", f"{_settings(request).billing_url}/internal/tenants/{tenant_id}/usage",
                         params=params)


@webhooks.post("", status_code=201)
async def create_webhook(body: WebhookIn, request: Request, tenant_id: Tenant) -> Response:
    return await forward(_internal(request), "POST", f"{_settings(request).notifier_url}/internal/tenants/{tenant_id}/webhooks",
                         json=body.model_dump())


@webhooks.get("")
async def list_webhooks(request: Request, tenant_id: Tenant) -> Response:
    return await forward(_internal(request), "GET", f"{_settings(request).notifier_url}/internal/tenants/{tenant_id}/webhooks")


@webhooks.delete("/{webhook_id}", status_code=204)
async def delete_webhook(webhook_id: uuid.UUID, request: Request, tenant_id: Tenant) -> Response:
    return await forward(_internal(request), "DELETE",
                         f"{_settings(request).notifier_url}/internal/tenants/{tenant_id}/webhooks/{webhook_id}")


@webhooks.get("/{webhook_id}/deliveries")
async def webhook_deliveries(webhook_id: uuid.UUID, request: Request, tenant_id: Tenant) -> Response:
    return await forward(_internal(request), "GET",
                         f"{_settings(request).notifier_url}/internal/tenants/{tenant_id}/webhooks/{webhook_id}/deliveries")


def create_app() -> FastAPI:
    app = FastAPI(
        title="Switchyard API",
        version="0.1.0",
        description="One front door to many AI-compute clouds. Errors are RFC 9457 application/problem+json.",
    )
    install_problem_handlers(app)
    for router in (ops, admin, jobs, money, webhooks):
        app.include_router(router)
    return app
