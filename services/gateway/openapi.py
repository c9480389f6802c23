"""The gateway's OpenAPI, with every error answer documented once, generically: each operation lists the
problem statuses its route can answer, all as `application/problem+json` with the one `Problem` schema.

What a route can answer follows from how it is built, so it is derived here rather than written on each route:
- 429 on every route but the health probes (the `RateLimits` middleware: `rate-limited`, with `Retry-After` and the
  RateLimit header fields, or `too-many-auth-failures`);
- 401 on a route that takes a credential, and 403 (`tenant-suspended`) on one that takes a tenant's key;
- 400 on a route with a body (one that is no JSON at all) or a `cursor` query parameter (`invalid-cursor`: a
  cursor is opaque, one this API returned);
- 404 on a route with a path parameter (nothing with that id, or not the caller's);
- 413 (`body-too-large`) and 422 on a route with a body; 422 on one with any parameter;
- what a route declares itself (`responses=`): a 409, or `UPSTREAM_UNAVAILABLE` where it asks an internal service.
A body documented by a model other than the one FastAPI reads (`BODY_MODELS`: a job spec is read as an object, so
that an invalid one answers the project's `invalid-job` problem) has its schema added to the components here."""

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi import routing
from fastapi.security.base import SecurityBase
from pydantic import BaseModel, TypeAdapter

from contracts.jobs import JobSpec
from services.common.problems import PROBLEM_JSON, ProblemDocument, problem_response
from services.gateway.auth import require_tenant
from services.gateway.rate_limit import UNLIMITED_PATHS

_REF = "#/components/schemas/{model}"
PROBLEM_REF = {"$ref": _REF.format(model="Problem")}
BODY_MODELS: tuple[type[BaseModel], ...] = (JobSpec,)

UPSTREAM_UNAVAILABLE: dict[int | str, dict[str, Any]] = {503: {
    "description": "upstream-unavailable: an internal service did not answer; retry after `Retry-After`",
    "headers": {"Retry-After": {"description": "seconds", "schema": {"type": "integer"}}}}}

# POST /v1/jobs/{id}/invoke (services/gateway/routes/invoke.py): its body is read raw, so the 413 is declared too.
INVOKE_PROBLEMS: dict[int | str, dict[str, Any]] = {
    409: {"description": "job-not-invocable: the job is not an inference service, not RUNNING, or its vendor has "
                         "not reported its address yet"},
    413: {"description": "body-too-large: the body is over SWITCHYARD_INVOKE_MAX_BYTES (`limit_bytes`)"},
    502: {"description": "vendor-error: the vendor refused or failed the call; `vendor_status`, `vendor_code` and "
                         "`detail` are the vendor's"},
    504: {"description": "vendor-timeout: the service did not answer within SWITCHYARD_INVOKE_TIMEOUT_S "
                         "(`timeout_s`)"},
    **UPSTREAM_UNAVAILABLE,
}

# GET /v1/jobs/{id}/metrics (services/gateway/routes/job_metrics.py), as the scheduler answers its vendor's errors.
METRICS_PROBLEMS: dict[int | str, dict[str, Any]] = {
    410: {"description": "metrics-gone: the vendor no longer has the job"},
    501: {"description": "metrics-unsupported: the job's vendor documents no job metrics (`vendor` names it)"},
    502: {"description": "vendor-error: the vendor refused the metrics read"},
    **UPSTREAM_UNAVAILABLE,
}

_SECONDS = {"schema": {"type": "integer", "minimum": 0}}
_GENERIC: dict[int, dict[str, Any]] = {
    400: {"description": "invalid-cursor (the cursor is not one this API returned), or a body that is no JSON"},
    401: {"description": "unauthorized: no key, or an unknown, revoked or expired one",
          "headers": {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}}},
    403: {"description": "tenant-suspended: the key's tenant is suspended"},
    404: {"description": "not-found: nothing with that id (or it is another tenant's)"},
    413: {"description": "body-too-large: the body is over this route's limit (`limit_bytes`)"},
    422: {"description": "invalid-request (or the route's own type, e.g. invalid-job): `errors` lists each "
                         "invalid field as {location, message, type}"},
    429: {"description": "rate-limited (this key's request budget is spent), or too-many-auth-failures (this "
                         "address failed authentication too often); retry after `Retry-After`",
          "headers": {
              "Retry-After": {"description": "seconds until a request is allowed again", **_SECONDS},
              "RateLimit": {"description": '"tenant";r=<requests left>;t=<seconds until the bucket is full>',
                            "schema": {"type": "string"}},
              "RateLimit-Policy": {"description": '"tenant";q=<burst>;w=<seconds to refill it>',
                                   "schema": {"type": "string"}}}},
}


def _dependants(route) -> Iterator[Dependant]:
    pending: list[Dependant] = [route.dependant]
    while pending:
        dependant = pending.pop()
        yield dependant
        pending.extend(dependant.dependencies)


def problem_statuses(route) -> set[int]:
    """The problem statuses a route answers whatever its handler does (see the module docstring)."""
    calls = [d.call for d in _dependants(route)]
    has_body = route.body_field is not None
    has_params = has_body or any(d.path_params or d.query_params or d.header_params or d.cookie_params
                                 for d in _dependants(route))
    statuses = set()
    if route.path not in UNLIMITED_PATHS:
        statuses.add(429)
    if any(isinstance(call, SecurityBase) for call in calls):
        statuses.add(401)
    if require_tenant in calls:
        statuses.add(403)
    if has_body or any(p.alias == "cursor" for d in _dependants(route) for p in d.query_params):
        statuses.add(400)
    if any(d.path_params for d in _dependants(route)):
        statuses.add(404)
    if has_body:
        statuses.add(413)
    if has_params:
        statuses.add(422)
    return statuses


def _add_components(schemas: dict[str, Any], model: type[BaseModel]) -> None:
    schema = TypeAdapter(model).json_schema(ref_template=_REF)
    for name, definition in {**schema.pop("$defs", {}), model.__name__: schema}.items():
        if schemas.setdefault(name, definition) != definition:
            raise ValueError(f"two different schemas are named {name} in the OpenAPI")


def _document(operation: dict[str, Any], statuses: set[int]) -> None:
    responses = operation.setdefault("responses", {})
    for status in statuses:
        responses.setdefault(str(status), {}).update(
            {k: v for k, v in _GENERIC[status].items() if k not in responses.get(str(status), {})})
    for status, response in responses.items():
        if status[0] in "45":
            response.setdefault("description", "a problem")
            response["content"] = {PROBLEM_JSON: {"schema": PROBLEM_REF}}


def build_openapi(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    # A route context is a route as the app serves it, with its router's prefix and dependencies (FastAPI keeps
    # an included router as one entry of `app.routes`).
    for route in routing.iter_route_contexts(app.routes):
        if isinstance(route.original_route, routing.APIRoute) and route.include_in_schema:
            for method in route.methods:
                _document(schema["paths"][route.path_format][method.lower()], problem_statuses(route))
    for unused in ("HTTPValidationError", "ValidationError"):  # FastAPI's 422, replaced by the Problem
        schemas.pop(unused, None)
    schemas["Problem"] = ProblemDocument.model_json_schema(ref_template=_REF)
    for model in BODY_MODELS:
        _add_components(schemas, model)
    return schema


def allowed_methods(app: FastAPI, path: str) -> set[str]:
    """Every method some route serves at `path` (Starlette's own 405 names only the first route that matched)."""
    return {method for route in routing.iter_route_contexts(app.routes)
            if getattr(route, "path_regex", None) is not None and route.path_regex.match(path)
            for method in (getattr(route, "methods", None) or ())}


def install_openapi(app: FastAPI) -> None:
    """The OpenAPI as built here, and a 405 whose `Allow` names every method of the path, as documented."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # FastAPI's documented way to customize the schema

    @app.exception_handler(405)
    async def _method_not_allowed(request: Request, exc: Exception) -> Response:
        allow = ", ".join(sorted(allowed_methods(app, request.url.path)))
        return problem_response(request, 405, "Method Not Allowed", f"This path takes {allow}.",
                                headers={"Allow": allow})
