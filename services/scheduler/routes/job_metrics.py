"""A job's resource use from its vendor, for the gateway's `GET /v1/jobs/{id}/metrics`.

The job is looked up in the scheduler's own placements, so the vendor, vendor job and kind are the ones it placed;
a job not placed (yet) has measured nothing (the gateway, which asks, has checked it is the tenant's). Vendor errors
become problems: no metrics API 501 `metrics-unsupported`, the vendor job gone 410 `metrics-gone`, the vendor away
or throttling 503 `upstream-unavailable`, anything else it refuses 502 `vendor-error`.
"""

import uuid

from fastapi import APIRouter, Request

from contracts.job_metrics import JobMetrics
from services.common.problems import Problem
from services.scheduler import store
from services.scheduler.routes.vendor_reads import read_problem
from services.vendors.errors import MetricsUnsupported, VendorError

router = APIRouter(prefix="/internal")


def vendor_problem(exc: VendorError) -> Problem:
    """The problem a failed metrics read answers."""
    return read_problem(exc, what="metrics", unsupported=MetricsUnsupported, read="metrics read")


@router.get("/tenants/{tenant_id}/jobs/{job_id}/metrics", response_model=JobMetrics)
async def job_metrics(request: Request, tenant_id: uuid.UUID, job_id: uuid.UUID) -> JobMetrics:
    """The job's metrics on its vendor, normalized (no series before it was placed)."""
    placement = await store.placement(request.app.state.runtime.pool, job_id)
    if placement is not None and placement["tenant_id"] != tenant_id:
        raise Problem(404, "Not found", "No job with that id.", type_="not-found")
    if placement is None or placement["vendor"] is None or placement["vendor_job_id"] is None:
        return JobMetrics(series=[])  # not in the queue yet (the gateway knows the job), or not placed yet
    adapter = request.app.state.adapters.get(placement["vendor"])
    if adapter is None:
        raise Problem(503, "Vendor not enabled", f"{placement['vendor']} is not among this scheduler's vendors.",
                      type_="upstream-unavailable", headers={"Retry-After": "60"})
    try:
        series = await adapter.metrics(placement["vendor_job_id"], placement["kind"])
    except VendorError as exc:
        raise vendor_problem(exc) from None
    return JobMetrics(series=series)
