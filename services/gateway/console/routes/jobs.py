"""The jobs page (live over Server-Sent Events, filtered, paged) and a job's page: its timeline, logs, endpoints,
charges, an inference call and cancelling."""

import asyncio
import json
import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response, StreamingResponse

from services.gateway import sse
from services.gateway.console import timeline, web
from services.gateway.console.session import CSRF_FIELD, Session
from services.gateway.console.web import Console

router = APIRouter(prefix=f"{web.PREFIX}/jobs")

STATUSES = ("PENDING", "QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "STOPPED")
KINDS = ("training", "notebook", "inference")
PAGE_SIZE = 20
KEEPALIVE_S = 15.0


def _filters(status: str | None, kind: str | None, cursor: str | None) -> dict:
    return {"status": status if status in STATUSES else None, "kind": kind if kind in KINDS else None,
            "cursor": cursor or None}


async def _jobs_page(console: Console, filters: dict) -> dict:
    answer = await console.get("/v1/jobs", limit=PAGE_SIZE, **filters)
    if not answer.ok:
        return {"jobs": [], "next_cursor": None, "error": answer.problem.get("detail") or "The jobs could not be read."}
    return {"jobs": answer.body["items"], "next_cursor": answer.body["next_cursor"], "error": None}


async def live(request: Request, session: Session, render_fragment) -> StreamingResponse:
    """A Server-Sent Events stream of a fragment: sent as an `update` event whenever it changes, re-rendered every
    `console_refresh_s`, with a comment now and then to keep the connection open, until the browser leaves or the
    fragment says it is settled (then an `end` event: nothing more will change, and the browser stops asking).
    `render_fragment(console)` answers (html, settled). The stream's API lives as long as the stream (not the
    request's dependencies)."""
    refresh_s = request.app.state.runtime.settings.console_refresh_s

    async def events():
        console = Console(request, session)
        sent, idle = None, 0.0
        try:
            while not await request.is_disconnected():
                try:
                    html, settled = await render_fragment(console)
                except web.SignInRequired:
                    yield sse.event(web.PREFIX + "/sign-in", name="signed-out")
                    return
                if html != sent:
                    yield sse.event(html, name="update")
                    sent, idle = html, 0.0
                if settled:
                    yield sse.event("settled", name="end")
                    return
                elif idle >= KEEPALIVE_S:
                    yield sse.comment()
                    idle = 0.0
                await asyncio.sleep(refresh_s)
                idle += refresh_s
        finally:
            await console.api.aclose()

    return StreamingResponse(events(), media_type=sse.MEDIA_TYPE, headers={"Cache-Control": "no-store"})


@router.get("")
async def jobs_page(request: Request, console: Annotated[Console, Depends(web.tenant)], status: str | None = None,
                    kind: str | None = None, cursor: str | None = None) -> Response:
    filters = _filters(status, kind, cursor)
    return console.page("jobs.html", {"filters": filters, "statuses": STATUSES, "kinds": KINDS,
                                      "stream_query": {k: v for k, v in filters.items() if v},
                                      **await _jobs_page(console, filters)})


@router.get("/stream")
async def jobs_stream(request: Request, session: Annotated[Session, Depends(web.tenant_session)],
                      status: str | None = None, kind: str | None = None, cursor: str | None = None) -> Response:
    filters = _filters(status, kind, cursor)

    async def fragment(console: Console) -> tuple[str, bool]:
        context = await _jobs_page(console, filters)
        return web.templates.get_template("_job_rows.html").render(**context, now=datetime.now(UTC)), False

    return await live(request, session, fragment)


async def _job_parts(console: Console, job_id: uuid.UUID) -> dict | None:
    job = await console.get(f"/v1/jobs/{job_id}")
    if job.status == 404:
        return None
    events, charges = await asyncio.gather(console.get(f"/v1/jobs/{job_id}/events"),
                                           console.get("/v1/usage", job_id=str(job_id), limit=1000))
    logs = await console.get(f"/v1/jobs/{job_id}/logs", tail=200)
    return {
        "job": job.body,
        "timeline": timeline.entries(events.body["items"]) if events.ok else [],
        "charges": charges.body.get("items", []) if charges.ok else [],
        "charges_total": charges.body.get("total") if charges.ok else None,
        "logs": logs.body if logs.ok else None,
        "logs_problem": None if logs.ok else (logs.problem.get("detail") or "No logs."),
    }


@router.get("/{job_id}")
async def job_page(job_id: uuid.UUID, console: Annotated[Console, Depends(web.tenant)]) -> Response:
    parts = await _job_parts(console, job_id)
    if parts is None:
        return console.page("not_found.html", {"what": "job"}, status=404)
    return console.page("job.html", parts)


@router.get("/{job_id}/stream")
async def job_stream(job_id: uuid.UUID, request: Request,
                     session: Annotated[Session, Depends(web.tenant_session)]) -> Response:
    csrf = {"csrf_field": CSRF_FIELD, "csrf_token": web.signer(request).csrf_token(web.csrf_nonce(request))}

    async def fragment(console: Console) -> tuple[str, bool]:
        parts = await _job_parts(console, job_id)
        if parts is None:
            return "", True
        now = datetime.now(UTC)
        html = web.templates.get_template("_job_live.html").render(**parts, now=now, **csrf)
        return html, timeline.settled(parts["job"], now)

    return await live(request, session, fragment)


@router.get("/{job_id}/logs.txt")
async def job_log_download(job_id: uuid.UUID, console: Annotated[Console, Depends(web.tenant)]) -> Response:
    logs = await console.get(f"/v1/jobs/{job_id}/logs", tail=100_000)
    if not logs.ok:
        return PlainTextResponse(logs.problem.get("detail") or "No logs.", status_code=logs.status)
    return PlainTextResponse(logs.body, headers={"Content-Disposition": f'attachment; filename="{job_id}.log"'})


@router.post("/{job_id}/invoke")
async def invoke(job_id: uuid.UUID, console: Annotated[Console, Depends(web.tenant)],
                 form: Annotated[dict, Depends(web.check_csrf)]) -> Response:
    body = str(form.get("body") or "")
    try:
        json.loads(body)
    except ValueError as exc:
        return console.page("_invoke_answer.html", {"error": f"The body is not JSON: {exc}."})
    answer = await console.call("POST", f"/v1/jobs/{job_id}/invoke", content=body.encode(),
                                headers={"Content-Type": "application/json"})
    if not answer.ok and answer.problem:
        return console.page("_invoke_answer.html", {"error": answer.problem.get("detail") or answer.problem.get("title")})
    shown = json.dumps(answer.body, indent=2) if not isinstance(answer.body, str) else answer.body
    return console.page("_invoke_answer.html", {"status": answer.status, "answer": shown})


@router.post("/{job_id}/cancel")
async def cancel(job_id: uuid.UUID, request: Request, console: Annotated[Console, Depends(web.tenant)],
                 _: Annotated[dict, Depends(web.check_csrf)]) -> Response:
    answer = await console.post(f"/v1/jobs/{job_id}/cancel")
    if not answer.ok:
        parts = await _job_parts(console, job_id)
        if parts is None:
            return console.page("not_found.html", {"what": "job"}, status=404)
        return console.page("job.html", {**parts, "error": answer.problem.get("detail")}, status=answer.status)
    return web.redirect(f"{web.PREFIX}/jobs/{job_id}", request)
