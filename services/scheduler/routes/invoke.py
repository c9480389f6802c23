"""Calls to a job's inference service, for the gateway's `POST /v1/jobs/{id}/invoke`: the body and its content type
go to the service with the vendor account's own credentials, and the vendor's answer comes back.

The gateway names the service's address from its read model (the http endpoint the watcher read from this
vendor and announced): the scheduler keeps no copy of endpoints, and reading the job again on the vendor before
each call would spend the account's API rate on every invocation. The adapter signs for its own account only, so
an address elsewhere gets no credentials that would work there.
"""

import asyncio
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from contracts.jobs import JobKind
from services.common.problems import Problem
from services.scheduler.invocation import problem_for
from services.vendors.errors import VendorError

router = APIRouter(prefix="/internal")


@router.post("/jobs/{job_id}/invoke")
async def invoke(
    job_id: uuid.UUID,
    request: Request,
    vendor: Annotated[str, Query(max_length=64)],
    vendor_job_id: Annotated[str, Query(max_length=256)],
    address: Annotated[str, Query(max_length=2048)],
    kind: JobKind = "inference",
) -> Response:
    """POST the request's body to the service; its 2xx answer as it came, else a problem (see invocation.py)."""
    adapter = request.app.state.adapters.get(vendor)
    if adapter is None:
        raise Problem(409, "Job not invocable", f"The scheduler places no jobs on {vendor!r}.",
                      type_="job-not-invocable")
    timeout_s = request.app.state.invoke_timeout_s
    body = await request.body()
    content_type = request.headers.get("content-type", "application/octet-stream")
    try:
        async with asyncio.timeout(timeout_s):
            answer = await adapter.invoke(vendor_job_id, kind, address, body, content_type, timeout_s)
    except (VendorError, TimeoutError) as exc:
        raise problem_for(exc, timeout_s) from None
    return Response(answer.body, status_code=answer.status, media_type=answer.content_type)
