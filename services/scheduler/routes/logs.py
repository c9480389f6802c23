"""A job's output from its vendor, for the gateway's `GET /v1/jobs/{id}/logs` (which stores it once the job ends).

The job is looked up in the scheduler's own placements, so the vendor, vendor job and kind are the ones it
placed; a job not placed (yet) has written nothing (the gateway, which asks, has checked it is the tenant's). Vendor errors
become problems (routes/vendor_reads.py): no log API 501
`logs-unsupported`, the vendor job gone 410 `logs-gone`, the vendor away or throttling 503
`upstream-unavailable`, anything else it refuses 502 `vendor-error`.
"""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse

from services.common.problems import Problem
from services.scheduler import store
from services.scheduler.routes.vendor_reads import read_problem
from services.vendors.errors import LogsUnsupported, VendorError

router = APIRouter(prefix="/internal")
MAX_TAIL = 1_000_000


def vendor_problem(exc: VendorError) -> Problem:
    """The problem a failed log read answers."""
    return read_problem(exc, what="logs", unsupported=LogsUnsupported, read="log read")


@router.get("/tenants/{tenant_id}/jobs/{job_id}/logs", response_class=PlainTextResponse)
async def job_logs(request: Request, tenant_id: uuid.UUID, job_id: uuid.UUID,
                   tail: Annotated[int, Query(ge=1, le=MAX_TAIL)] = 1000) -> PlainTextResponse:
    """The last `tail` lines of the job's output on its vendor, one per line (empty before it was placed)."""
    placement = await store.placement(request.app.state.runtime.pool, job_id)
    if placement is not None and placement["tenant_id"] != tenant_id:
        raise Problem(404, "Not found", "No job with that id.", type_="not-found")
    if placement is None or placement["vendor"] is None or placement["vendor_job_id"] is None:
        return PlainTextResponse("")  # not in the queue yet (the gateway knows the job), or not placed yet
    adapter = request.app.state.adapters.get(placement["vendor"])
    if adapter is None:
        raise Problem(503, "Vendor not enabled", f"{placement['vendor']} is not among this scheduler's vendors.",
                      type_="upstream-unavailable", headers={"Retry-After": "60"})
    try:
        lines = await adapter.logs(placement["vendor_job_id"], placement["kind"], tail)
    except VendorError as exc:
        raise vendor_problem(exc) from None
    return PlainTextResponse("".join(f"{line}\n" for line in lines))
