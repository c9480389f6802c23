"""A job's resource use: `GET /v1/jobs/{id}/metrics`, its vendor's job metrics as named series of timed values.

The metrics are read from the job's vendor through the scheduler's internal API (the gateway calls no vendor) and
answered as the scheduler normalized them (contracts/job_metrics.py); nothing is kept here.
"""

import uuid

from fastapi import APIRouter, Request

from contracts.job_metrics import JobMetrics
from services.gateway.openapi import METRICS_PROBLEMS
from services.gateway.routes.deps import Tenant, ask_scheduler, not_found, pool
from services.gateway.store import jobs

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])


@router.get("/{job_id}/metrics", response_model=JobMetrics, responses=METRICS_PROBLEMS)
async def job_metrics(job_id: uuid.UUID, request: Request, tenant_id: Tenant) -> JobMetrics:
    """The job's resource use on its vendor (CPU, memory, the accelerator), one series per metric the vendor
    measured, its points oldest first; no series before the job started."""
    async with pool(request).acquire() as conn:
        if await jobs.get_job(conn, tenant_id, job_id) is None:
            raise not_found("job")
    answer = await ask_scheduler(request, "GET", f"/internal/tenants/{tenant_id}/jobs/{job_id}/metrics")
    return JobMetrics.model_validate(answer)
