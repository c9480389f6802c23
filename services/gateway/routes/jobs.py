"""Jobs: submit, read, list, cancel, and their state changes."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel, Field

from contracts.catalog import Exclusion
from contracts.data import DataMount
from contracts.events import JobCancelRequested, JobRequested
from contracts.jobs import JobKind
from contracts.money import Money, format_amount
from contracts.status import JobStatus
from services.common import caps
from services.common.idempotency import fingerprint
from services.common.problems import Problem
from services.common.unit_of_work import unit_of_work
from services.gateway.cursor import decode_cursor, encode_cursor
from services.gateway import start_estimate, tenant_caps
from services.gateway.metrics import JOBS_SUBMITTED
from services.gateway.store import jobs
from services.gateway.routes.deps import JobSpecBody, Tenant, job_spec, not_found, pool, settings

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])


class QueueOut(BaseModel):
    reason: str = Field(description="no_capacity, quota or funds")
    position: int = Field(description="1 = the next job the dispatcher tries")
    estimated_start_at: datetime | None = Field(
        description="an estimate, not a promise: when the jobs it waits behind (and those ahead of it) are "
                    "expected to end, from their max_runtime_s or else their flavor's observed run times; "
                    "null when there is no basis (nothing known to end, or it waits for funds)")
    excluded: list[Exclusion] = Field(
        default_factory=list, description="what the scheduler's latest try left out, each vendor or flavor with "
                                          "its reason (as POST /v1/quotes explains them)")


class EndpointOut(BaseModel):
    type: Literal["jupyter", "ssh", "http"] = Field(
        description="jupyter: a notebook's page; ssh: a notebook's SSH address; http: an inference service")
    url: str
    expires_at: datetime | None = Field(description="when the vendor stops answering there; null: no end given")


class InvocationsOut(BaseModel):
    count: int = Field(description="calls to the job's inference service its vendor answered with a 2xx")
    bytes: int = Field(description="the request and answer bodies of those calls, in bytes")


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
    priority: str
    queue: QueueOut | None = Field(description="set while the job waits in Switchyard's own queue")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    cost: Money
    endpoints: list[EndpointOut] = Field(
        description="where the running job answers, as its vendor reports them (notebooks, inference services); "
                    "empty until the vendor provides them and after the job ends")
    invocations: InvocationsOut = Field(description="calls through POST /v1/jobs/{id}/invoke (inference services)")
    outputs: list[DataMount] = Field(
        default_factory=list, description="where the job wrote its results (its spec's outputs), once it ended")


class JobList(BaseModel):
    items: list[JobOut]
    next_cursor: str | None


class JobEventOut(BaseModel):
    position: int
    type: str = Field(description="state (a state change), attempt (a placement attempt, see detail) "
                                  "stop (Switchyard asked the vendor to stop the job; reason says why) "
                                  "or lost (the vendor lost the job; detail names vendor, vendor job and cause)")
    from_status: JobStatus | None
    to_status: JobStatus | None
    raw_status: str | None
    reason: str | None
    vendor_time: datetime | None
    observed_at: datetime
    detail: dict[str, Any] | None = None


class JobEventList(BaseModel):
    items: list[JobEventOut]
    next_cursor: str | None = None


@dataclass(frozen=True)
class QueuePlace:
    position: int
    estimated_start_at: datetime | None


async def _queue_places(conn, rows) -> dict[uuid.UUID, QueuePlace]:
    """The queued jobs' places in the queue and estimated starts, by job id (read in four queries)."""
    positions = await jobs.queue_positions(conn, rows)
    if not positions:
        return {}
    queued = [_queued(row) for row in await jobs.queued_ahead(conn, rows)]
    on_vendors = [start_estimate.OnVendor(
        tenant_id=row["tenant_id"], kind=row["kind"], accelerator=row["accelerator"], vendor=row["vendor"],
        flavor=row["flavor"], started_at=row["started_at"], max_runtime_s=row["max_runtime_s"],
    ) for row in await jobs.open_on_vendors(conn, list({job.tenant_id for job in queued}),
                                             list({job.accelerator for job in queued}))]
    typical = await jobs.typical_run_times(conn, list({job.flavor for job in on_vendors}))
    estimates = start_estimate.estimated_starts(
        datetime.now(UTC), [job for job in queued if job.job_id in positions], on_vendors, queued, typical)
    return {job_id: QueuePlace(position, estimates.get(job_id)) for job_id, position in positions.items()}


def _queued(row) -> start_estimate.Queued:
    placement = row["placement"] or {}
    return start_estimate.Queued(
        job_id=row["id"], tenant_id=row["tenant_id"], kind=row["kind"], accelerator=row["accelerator"],
        vendors=frozenset(placement["vendors"]) if placement.get("vendors") is not None else None,
        exclude_vendors=frozenset(placement.get("exclude_vendors") or ()), reason=row["queue_reason"],
        position=row["position"], max_runtime_s=row["max_runtime_s"])


def _job_out(row, place: QueuePlace | None = None) -> JobOut:
    queue = None
    if row["queue_reason"] is not None and place is not None:
        queue = QueueOut(reason=row["queue_reason"], position=place.position,
                         estimated_start_at=place.estimated_start_at, excluded=row["excluded"])
    return JobOut(
        id=row["id"], kind=row["kind"], name=row["name"], status=row["status"], status_reason=row["status_reason"],
        vendor=row["vendor"], vendor_job_id=row["vendor_job_id"], flavor=row["flavor"],
        resources=row["spec"]["resources"], priority=row["spec"].get("priority", "normal"), queue=queue,
        created_at=row["created_at"], started_at=row["started_at"], finished_at=row["finished_at"],
        cost=Money(amount=format_amount(row["cost"])), endpoints=row["endpoints"],
        invocations=InvocationsOut(count=row["invocations"], bytes=row["invocation_bytes"]),
        outputs=row["spec"].get("outputs", []) if JobStatus(row["status"]).is_terminal else [],
    )


async def _check_open_jobs(conn, request: Request, tenant_id: uuid.UUID) -> None:
    """A 409 cap-reached when the tenant's open jobs, the one this transaction just added among them, are past
    its cap in force (its override, else the default); counted under the cap's lock, so two concurrent
    submissions cannot both take the last place. Called last before the commit: the lock serializes a tenant's
    submissions for only as long as the count and the commit take: the lock, the count and the tenant's
    override come in one round trip."""
    counted = await jobs.count_open_under_lock(conn, tenant_id, caps.lock_key(tenant_caps.OPEN_JOBS.setting, tenant_id))
    cap = caps.Cap(tenant_caps.OPEN_JOBS.setting, tenant_caps.OPEN_JOBS.limit(counted, settings(request)),
                   "jobs open (not yet SUCCEEDED, FAILED or STOPPED)")
    if not cap.allows(counted["open_jobs"] - 1):
        raise caps.cap_reached(cap)


@router.post("", status_code=202, response_model=JobOut, responses={
    409: {"description": "idempotency-conflict, or cap-reached (`cap`, `limit`: the tenant's open jobs)"}})
async def submit_job(
    request: Request,
    response: Response,
    tenant_id: Tenant,
    body: JobSpecBody,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> JobOut:
    spec = job_spec(body)
    request_hash = fingerprint(spec.model_dump(mode="json"))
    async with unit_of_work(pool(request)) as conn:
        previous = await jobs.claim_idempotency_key(conn, tenant_id, idempotency_key) if idempotency_key else None
        if previous is not None and previous["request_hash"] != request_hash:
            raise Problem(409, "Idempotency key reused", "This Idempotency-Key was used with a different body.",
                          type_="idempotency-conflict")
        if previous is None:
            requested = JobRequested(job_id=uuid.uuid4(), tenant_id=tenant_id, spec=spec,
                                     requested_at=datetime.now(UTC))
            job = await jobs.insert_job(conn, requested, idempotency_key, request_hash)
            await _check_open_jobs(conn, request, tenant_id)
        else:
            job = await jobs.get_job(conn, tenant_id, previous["job_id"])
    response.headers["Location"] = f"/v1/jobs/{job['id']}"
    if previous is not None:
        response.headers["Idempotent-Replayed"] = "true"
    else:
        JOBS_SUBMITTED.labels(spec.kind).inc()
    return _job_out(job)


@router.get("", response_model=JobList)
async def list_jobs(
    request: Request, tenant_id: Tenant,
    status: JobStatus | None = None,
    kind: JobKind | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> JobList:
    after = decode_cursor(cursor) if cursor else None
    async with pool(request).acquire() as conn:
        rows = await jobs.list_jobs(conn, tenant_id, status, limit + 1, after, kind)
        places = await _queue_places(conn, rows[:limit])
    items = [_job_out(r, places.get(r["id"])) for r in rows[:limit]]
    next_cursor = encode_cursor(rows[limit - 1]["created_at"], rows[limit - 1]["id"]) if len(rows) > limit else None
    return JobList(items=items, next_cursor=next_cursor)


@router.get("/{job_id}", response_model=JobOut)
async def get_job(job_id: uuid.UUID, request: Request, tenant_id: Tenant) -> JobOut:
    async with pool(request).acquire() as conn:
        job = await jobs.get_job(conn, tenant_id, job_id)
        if job is None:
            raise not_found("job")
        return _job_out(job, (await _queue_places(conn, [job])).get(job["id"]))


@router.post("/{job_id}/cancel", status_code=202, response_model=JobOut)
async def cancel_job(job_id: uuid.UUID, request: Request, tenant_id: Tenant) -> JobOut:
    async with unit_of_work(pool(request)) as conn:
        job = await jobs.get_job(conn, tenant_id, job_id, for_update=True)
        if job is None:
            raise not_found("job")
        if JobStatus(job["status"]).is_terminal:
            raise Problem(409, "Job already finished", f"The job is {job['status']}; there is nothing to cancel.",
                          type_="job-finished")
        await jobs.send_command(conn, JobCancelRequested(job_id=job_id, tenant_id=tenant_id,
                                                         requested_at=datetime.now(UTC)))
    return _job_out(job)


@router.get("/{job_id}/events", response_model=JobEventList)
async def job_events(job_id: uuid.UUID, request: Request, tenant_id: Tenant) -> JobEventList:
    async with pool(request).acquire() as conn:
        if await jobs.get_job(conn, tenant_id, job_id) is None:
            raise not_found("job")
        rows = await jobs.job_events(conn, job_id)
    return JobEventList(items=[JobEventOut(**dict(r)) for r in rows])
