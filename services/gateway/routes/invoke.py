"""Calls to a job's inference service: `POST /v1/jobs/{id}/invoke` sends the body, with its content type, to the
running service and answers with the service's status, body and content type.

The gateway holds no vendor credentials: it checks the job against its read model (services/gateway/invocations.py)
and hands the call to the scheduler's internal API, which owns the adapters and calls the vendor with the account's
own auth. The body limit is SWITCHYARD_INVOKE_MAX_BYTES (body_limit.py, by route).
"""

import asyncio
import uuid
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response

from services.common import http1
from services.common.problems import PROBLEM_JSON, Problem
from services.gateway.invocations import service_address, usage_of
from services.gateway.openapi import INVOKE_PROBLEMS
from services.gateway.proxy import public_problem
from services.gateway.routes.deps import Tenant, internal, not_found, pool, settings
from services.gateway.store import invocations, jobs

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])
PATH = "/{job_id}/invoke"
_MARGIN_S = 5.0  # over the scheduler's own deadline, so its 504 arrives rather than the gateway's 503

_BODY = {"requestBody": {"required": False, "description": "sent to the service as it is, with its Content-Type",
                         "content": {"application/json": {"schema": {}, "example": {"prompt": "hello"}},
                                     "*/*": {"schema": {"type": "string", "format": "binary"}}}}}
_ANSWER = {"description": "the service's answer: its status, body and content type, as the vendor sent them",
           "content": {"application/json": {"schema": {}}, "*/*": {"schema": {"type": "string", "format": "binary"}}}}


@router.post(PATH, response_class=Response, openapi_extra=_BODY, responses={200: _ANSWER, **INVOKE_PROBLEMS})
async def invoke_job(job_id: uuid.UUID, request: Request, tenant_id: Tenant) -> Response:
    """Call the job's running inference service. A 2xx answer counts on the job's `invocations`."""
    async with pool(request).acquire() as conn:
        job = await jobs.get_job(conn, tenant_id, job_id)
    if job is None:
        raise not_found("job")
    address = service_address(job["kind"], job["status"], job["endpoints"])
    body = await request.body()
    content_type = request.headers.get("content-type", "application/json")
    query = urlencode({"vendor": job["vendor"], "vendor_job_id": job["vendor_job_id"], "kind": job["kind"],
                       "address": address})
    url = f"{settings(request).scheduler_url}/internal/jobs/{job_id}/invoke?{query}"
    upstream = internal(request)
    try:
        async with asyncio.timeout(settings(request).invoke_timeout_s + _MARGIN_S):
            answer = await upstream.client.request("POST", url, body, {"content-type": content_type})
    except (http1.HttpError, TimeoutError) as exc:
        raise Problem(503, "Service unavailable", f"An internal service did not answer: {type(exc).__name__}.",
                      type_="upstream-unavailable", headers={"Retry-After": "5"}) from None
    media_type = answer.headers.get("content-type", "application/octet-stream")
    content = answer.body
    if answer.status >= 400 and media_type.startswith(PROBLEM_JSON):
        content = public_problem(content, upstream.public_path)  # the scheduler's problem, under the public path
    usage = usage_of(answer.status, len(body), len(content))
    if usage.count:
        async with pool(request).acquire() as conn:
            await invocations.add(conn, job_id, usage.count, usage.bytes)
    return Response(content, status_code=answer.status, media_type=media_type)
