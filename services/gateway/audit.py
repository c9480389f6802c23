"""The audit trail of every write an operator or a tenant's key makes through an audited router, in one place:
routers made with `route_class=AuditedRoute` record each POST, PUT, PATCH and DELETE an authenticated caller
made (actor, action = the route's name, target = the request path, the tenant, the answer's status and a small
JSON of details without secrets) to `gateway.audit_log`, refusals included.

When: after the route's own transaction committed, before its answer leaves, in a statement of its own. A
gateway dying between the two loses that one record (the action stands). The routes whose actions matter most
(API keys, suspension) write their record in their own transaction instead, with `record_in`, and the route
class then writes nothing more. A record that cannot be written is logged and the answer still goes out: the
action is done, and an error would make the caller retry it.

Why a route class rather than an ASGI middleware: it sees the matched route (its name, its path parameters),
the answer's status and the exception a refusal raised, and it is declared on the routers it audits."""

import json
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from services.common.logs import log
from services.common.problems import Problem
from services.gateway.store import audit

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_BODY_RECORDED = 4096  # bytes; a larger body (a price book) is recorded by its size
_SECRET_WORDS = ("key", "secret", "token", "password")


def _storable(text: str) -> str:
    # A refused request's path may hold what PostgreSQL cannot store (a NUL, a lone surrogate).
    return text.encode("utf-8", "replace").decode().replace("\x00", "\ufffd")


def _without_secrets(body: Any) -> Any:
    if not isinstance(body, dict):
        return body
    return {k: v for k, v in body.items() if not any(word in k.lower() for word in _SECRET_WORDS)}


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None


def status_of(exc: Exception) -> int:
    match exc:
        case Problem():
            return exc.status
        case RequestValidationError():
            return 422
        case HTTPException():
            return exc.status_code
    return 500


async def entry(request: Request, status: int, created_id: Any = None) -> audit.Entry:
    """The record of this request, answered with `status`. The body is kept only for an accepted request
    (validated, so storable) and small, without fields named like secrets; answers are never kept (an answer
    may carry a new key), only the id of what was created."""
    details: dict[str, Any] = {}
    path_params = {k: _storable(str(v)) for k, v in request.path_params.items()}
    if path_params:
        details["path_params"] = path_params
    if request.query_params:
        details["query"] = {_storable(k): _storable(v) for k, v in request.query_params.items()}
    if status < 400:
        raw = await request.body()
        if len(raw) > MAX_BODY_RECORDED:
            details["body_bytes"] = len(raw)
        elif raw:
            try:
                details["body"] = _without_secrets(json.loads(raw))
            except ValueError:
                details["body_bytes"] = len(raw)
    if created_id is not None:
        details["created_id"] = str(created_id)
    state = request.state
    tenant_id = (_uuid(request.path_params.get("tenant_id")) or getattr(state, "audit_tenant_id", None)
                 or getattr(state, "tenant_id", None))
    return audit.Entry(actor=state.actor, action=request.scope["route"].name, method=request.method,
                       target=_storable(request.url.path), tenant_id=tenant_id, status=status, details=details)


async def record_in(conn, request: Request, status: int, created_id: Any = None) -> None:
    """Write this request's record in the caller's transaction (so it stands or falls with the action)."""
    await audit.insert(conn, await entry(request, status, created_id))
    request.state.audited = True


def _created_id(response: Response) -> Any:
    if response.status_code >= 300 or not response.headers.get("content-type", "").endswith("json"):
        return None
    try:
        body = json.loads(response.body)
    except (AttributeError, ValueError):  # a streamed answer has no body to read
        return None
    return body.get("id") if isinstance(body, dict) else None


class AuditedRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def audited(request: Request) -> Response:
            if request.method not in WRITES:
                return await handle(request)
            try:
                response = await handle(request)
            except Exception as exc:
                # A record written with `record_in` went with the rolled-back transaction: write this one.
                await _record(request, status_of(exc), after_error=True)
                raise
            await _record(request, response.status_code, _created_id(response))
            return response

        return audited


async def _record(request: Request, status: int, created_id: Any = None, *, after_error: bool = False) -> None:
    state = request.state
    if getattr(state, "actor", None) is None:
        return  # unauthenticated: no action was taken (failed authentication is the rate limit's business)
    if getattr(state, "audited", False) and not after_error:
        return  # written in the route's transaction already
    try:
        await audit.insert(request.app.state.runtime.pool, await entry(request, status, created_id))
    except Exception as exc:  # the action stands; see the module's docstring
        log.error("gateway.audit_write_failed", path=request.url.path, status=status, error=repr(exc))
