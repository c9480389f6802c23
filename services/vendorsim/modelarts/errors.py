"""ModelArts error bodies `{"error_code", "error_msg"}` and the injected faults, spelled as the document does."""

import contextvars
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from services.vendorsim.faults import FaultInjector, FaultResponses, install_faults


class ModelArtsError(Exception):
    def __init__(self, http_status: int, code: str, msg: str, solution: str = "") -> None:
        super().__init__(f"{code}: {msg}")
        self.http_status = http_status
        self.code = code
        self.msg = msg
        self.solution = solution


def error_response(
    http_status: int, code: str, msg: str, solution: str = "", headers: dict[str, str] | None = None
) -> JSONResponse:
    body: dict[str, Any] = {"error_code": code, "error_msg": msg}
    if solution:  # training answers carry `error_solution` too
        body["error_solution"] = solution
    return JSONResponse(body, status_code=http_status, headers=headers)


def invalid(msg: str) -> ModelArtsError:
    return ModelArtsError(400, "ModelArts.0101", f"Invalid Argument. {msg}", "Check the request parameters.")


def invalid_json() -> ModelArtsError:
    return ModelArtsError(400, "ModelArts.2787", "InvalidJsonBody", "Check the request body.")


async def json_body(request: Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        raise invalid_json() from None


# The request path, so that injected faults can answer in the dialect of the API that was called.
_path: contextvars.ContextVar[str] = contextvars.ContextVar("modelarts_sim_path", default="")


def _throttled() -> Response:
    # The v1 APIs (notebooks, services) say "system busy", 6101; training (v2) and the rest 2799.
    if _path.get().startswith("/v1/"):
        code, msg = "ModelArts.6101", "The system is busy now. Please try again later."
    else:
        code, msg = "ModelArts.2799", "TooManyRequests"
    return error_response(429, code, msg, headers={"Retry-After": "1"})


FAULT_RESPONSES = FaultResponses(
    server_error=lambda: error_response(500, "ModelArts.0010", "Internal error."),
    throttled=_throttled,
    # The document has no ModelArts code for 503; the internal-error code is the closest.
    unavailable=lambda: error_response(503, "ModelArts.0010", "Service unavailable."),
)


def install_errors(app: FastAPI, faults: FaultInjector) -> None:
    """ModelArts error bodies for raised ModelArtsErrors and unknown paths, plus the shared faults."""

    @app.exception_handler(ModelArtsError)
    async def modelarts_error(_: Request, exc: ModelArtsError) -> JSONResponse:
        return error_response(exc.http_status, exc.code, exc.msg, exc.solution)

    @app.exception_handler(404)
    async def path_not_found(request: Request, _: Exception) -> JSONResponse:
        return error_response(404, "ModelArts.2836", f"PathNotFound ({request.url.path})")

    @app.exception_handler(405)
    async def method_not_allowed(request: Request, _: Exception) -> JSONResponse:
        return error_response(405, "ModelArts.2803", f"MethodNotAllowed ({request.method} {request.url.path})")

    install_faults(app, faults, FAULT_RESPONSES)

    # Added after the fault middleware, so it runs first and the fault responses can see the path.
    app.add_middleware(_RememberPath)


class _RememberPath:
    """Keeps the request path for `_throttled` (plain ASGI: no per-request task, unlike `BaseHTTPMiddleware`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            _path.set(scope["path"])
        await self.app(scope, receive, send)
