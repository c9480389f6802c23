"""RFC 9457 problem details for every HTTP surface (gateway and the internal APIs)."""

import json

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
_TYPE_BASE = "https://switchyard.dev/problems/"

log = structlog.get_logger()


class Problem(Exception):
    """Raise anywhere in a handler to answer with application/problem+json."""

    def __init__(self, status: int, title: str, detail: str | None = None, *,
                 type_: str | None = None, headers: dict[str, str] | None = None, **extra):
        super().__init__(detail or title)
        self.status, self.title, self.detail = status, title, detail
        self.type = type_ or title.lower().replace(" ", "-")
        self.headers = headers
        self.extra = extra


class ProblemResponse(JSONResponse):
    """application/problem+json; ASCII-escaped, so a problem quoting the caller's own input (a key with a lone
    surrogate, say) can always be encoded."""

    media_type = PROBLEM_JSON

    def render(self, content) -> bytes:
        return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode()


def problem_response(request: Request, status: int, title: str, detail: str | None = None,
                     type_: str = "about:blank", headers: dict[str, str] | None = None, **extra) -> JSONResponse:
    body = {
        "type": type_ if type_ == "about:blank" else _TYPE_BASE + type_,
        "title": title,
        "status": status,
        "instance": request.url.path,
    }
    if detail:
        body["detail"] = detail
    body.update(extra)
    return ProblemResponse(body, status_code=status, headers=headers)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem):
        return problem_response(request, exc.status, exc.title, exc.detail, exc.type, exc.headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        errors = [
            {"location": ".".join(str(p) for p in err["loc"]), "message": err["msg"], "type": err["type"]}
            for err in exc.errors()
        ]
        return problem_response(request, 422, "Invalid request", "The request body or parameters are invalid.",
                                "invalid-request", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem_response(request, exc.status_code, _reason(exc.status_code), detail,
                                headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        # A bug, never an input: every input is refused with a 4xx before it gets this far. Starlette logs
        # the exception again after this answer is sent.
        log.error("unexpected_exception", error=type(exc).__name__, method=request.method, path=request.url.path)
        return problem_response(request, 500, "Internal server error",
                                "The request could not be completed; it has been logged.", "internal-error")


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
