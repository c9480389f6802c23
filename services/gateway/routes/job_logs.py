"""A job's output: `GET /v1/jobs/{id}/logs`, its last lines as text, or followed live as Server-Sent Events.

An ended job whose logs were kept (`log_capture.py`) answers from PostgreSQL, so after its vendor deleted it
too; any other is read from its vendor through the scheduler's internal API (the gateway calls no vendor).
Followers of one job share one poller in this process (`log_follow.py`).
"""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, StreamingResponse

from contracts.status import JobStatus
from services.common.problems import Problem
from services.gateway import sse
from services.gateway.log_follow import Ending, Followers
from services.gateway.log_text import last_lines
from services.gateway.openapi import UPSTREAM_UNAVAILABLE
from services.gateway.proxy import ask_text
from services.gateway.routes.deps import Tenant, internal, not_found, pool, settings
from services.gateway.store import jobs, logs

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])

KEEPALIVE_S = 15.0
MAX_TAIL = 100_000
SOURCE_HEADER = "Logs-Source"  # stored: kept in Switchyard once the job ended; vendor: read from its vendor now

LOG_RESPONSES: dict[int | str, dict] = {
    200: {"description": "The job's last `tail` lines (`text/plain`), or with `follow=true` a `text/event-stream`: "
                         "one event per line (`data:`), new lines as they are written, and a final `event: end` "
                         "whose data is the job's terminal status (or `event: error` whose data is a problem "
                         "document, when the logs stopped being readable: 501, 410). `Logs-Source` says where they came from: "
                         "`stored` (kept once the job ended, also after the vendor deleted the job) or `vendor`.",
          "content": {"text/plain": {"schema": {"type": "string"},
                                     "example": "==> image: swr.example/demo/pytorch:2.1\nstep 120/1000 loss 0.532\n"},
                      sse.MEDIA_TYPE: {"schema": {"type": "string"},
                                       "example": "data: step 120/1000 loss 0.532\n\nevent: end\ndata: SUCCEEDED\n\n"}},
          "headers": {SOURCE_HEADER: {"description": "stored or vendor", "schema": {"type": "string"}}}},
    410: {"description": "logs-gone: the vendor deleted the job and no logs were kept"},
    501: {"description": "logs-unsupported: the job's vendor offers no logs (`vendor` names it)"},
    502: {"description": "vendor-error: the vendor refused the log read"},
    **UPSTREAM_UNAVAILABLE,
}


def followers(request: Request) -> Followers:
    state = request.app.state
    if getattr(state, "log_followers", None) is None:
        state.log_followers = Followers(settings(request).log_poll_s)
    return state.log_followers


async def _vendor_lines(request: Request, tenant_id: uuid.UUID, job_id: uuid.UUID, tail: int) -> list[str]:
    url = f"{settings(request).scheduler_url}/internal/tenants/{tenant_id}/jobs/{job_id}/logs"
    return (await ask_text(internal(request), url, params={"tail": tail})).splitlines()


async def _terminal_status(request: Request, tenant_id: uuid.UUID, job_id: uuid.UUID) -> str | None:
    async with pool(request).acquire() as conn:
        job = await jobs.get_job(conn, tenant_id, job_id)
    status = JobStatus(job["status"]) if job is not None else JobStatus.FAILED
    return status.value if status.is_terminal else None


async def _events(lines: list[str], queue: asyncio.Queue | None, end: str | None,
                  leave=None) -> AsyncIterator[bytes]:
    """The stream: `lines` at once, then what `queue` brings, then `event: end` (at once when `end` is set)."""
    try:
        if lines:
            yield b"".join(sse.event(line) for line in lines)
        if end is not None:
            yield sse.event(end, name="end")
            return
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), KEEPALIVE_S)
            except TimeoutError:
                yield sse.comment("keep-alive")
                continue
            if isinstance(item, Ending):
                if item.problem is not None:
                    yield sse.event(json.dumps(problem_document(item.problem)), name="error")
                else:
                    yield sse.event(item.status or "", name="end")
                return
            if item:
                yield b"".join(sse.event(line) for line in item)
    finally:
        if leave is not None:
            leave()


@router.get("/{job_id}/logs", response_class=PlainTextResponse, responses=LOG_RESPONSES)
async def job_logs(job_id: uuid.UUID, request: Request, tenant_id: Tenant,
                   tail: Annotated[int, Query(ge=1, le=MAX_TAIL, description="lines from the end")] = 1000,
                   follow: Annotated[bool, Query(description="stream new lines as Server-Sent Events until the "
                                                             "job ends or the client leaves")] = False):
    """The job's output on its vendor: its last `tail` lines, or followed live with `follow=true`."""
    async with pool(request).acquire() as conn:
        job = await jobs.get_job(conn, tenant_id, job_id)
        if job is None:
            raise not_found("job")
        kept = await logs.stored(conn, job_id)
    status = JobStatus(job["status"])
    if kept is not None:
        lines, source = last_lines(kept["content"], tail), "stored"
    elif not follow or status.is_terminal:
        lines, source = await _vendor_lines(request, tenant_id, job_id, tail), "vendor"
    else:
        # A running job: join (or start) its poller; its first read answers the problems (501, 503...). The poller
        # reads through the request that started it (its app, internal client and path outlive the answer).
        async def read() -> list[str]:
            return await _vendor_lines(request, tenant_id, job_id, MAX_TAIL)

        follow_job = followers(request).follow(job_id, read, lambda: _terminal_status(request, tenant_id, job_id))
        queue = follow_job.subscribe(tail)  # before the first read ends, so the poller sees a follower
        try:
            await asyncio.shield(follow_job.ready)
        except BaseException:
            follow_job.unsubscribe(queue)
            raise
        return StreamingResponse(_events([], queue, None, lambda: follow_job.unsubscribe(queue)),
                                 media_type=sse.MEDIA_TYPE, headers=_stream_headers("vendor"))
    if follow:
        return StreamingResponse(_events(lines, None, status.value), media_type=sse.MEDIA_TYPE,
                                 headers=_stream_headers(source))
    return PlainTextResponse("".join(f"{line}\n" for line in lines), headers={SOURCE_HEADER: source})


def problem_document(problem: Problem) -> dict:
    """A problem as the stream's `error` event carries it (the members of the problem+json answer)."""
    return {"type": f"https://switchyard.dev/problems/{problem.type}", "title": problem.title,
            "status": problem.status, "detail": problem.detail, **problem.extra}


def _stream_headers(source: str) -> dict[str, str]:
    # No caching or buffering by a proxy on the way: each event goes out as it is written.
    return {SOURCE_HEADER: source, "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
