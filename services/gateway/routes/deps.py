"""What the gateway's routes share: the caller's tenant, the pool, the internal HTTP client and the scheduler's
API, job specs read from a request body."""

import uuid
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import ValidationError

from contracts.jobs import JobSpec
from services.common.problems import Problem
from services.gateway.config import GatewaySettings
from services.gateway.auth import require_tenant
from services.gateway.proxy import Upstream, ask

Tenant = Annotated[uuid.UUID, Depends(require_tenant)]


def not_found(what: str) -> Problem:
    return Problem(404, "Not found", f"No {what} with that id.", type_="not-found")


def pool(request: Request):
    return request.app.state.runtime.pool


def internal(request: Request) -> Upstream:
    """The internal HTTP client for this request; what it relays is answered under the request's public path."""
    return Upstream(request.app.state.internal_client, request.url.path)


def settings(request: Request) -> GatewaySettings:
    return request.app.state.runtime.settings


async def ask_scheduler(request: Request, method: str, path: str, **kwargs) -> Any:
    """The scheduler's internal API, which answers what the gateway shows of vendors (flavors, quotes, vendors)."""
    return await ask(internal(request), method, f"{settings(request).scheduler_url}{path}", **kwargs)


def job_spec(body: dict) -> JobSpec:
    """The job spec in a request body, or a 422 problem listing every invalid field."""
    try:
        return JobSpec.model_validate(body)
    except ValidationError as exc:
        errors = [{"location": ".".join(str(p) for p in e["loc"]), "message": e["msg"], "type": e["type"]}
                  for e in exc.errors()]
        raise Problem(422, "Invalid job", "The job spec is invalid.", type_="invalid-job", errors=errors) from None
