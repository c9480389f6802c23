"""RFC 9457 problem details for every HTTP surface (gateway and the internal APIs)."""

import json

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
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


class ProblemDocument(BaseModel):
    """The body of every error answer, as the OpenAPI documents it (one `Problem` schema); members beyond these
    are allowed and named by the problem's type (`errors` on a 422, `limit_bytes` on a 413, `retry_after_s` on
    a 429, `cap` and `limit` on a cap-reached 409...)."""

    model_config = ConfigDict(extra="allow", title="Problem")

    type: str = Field(description="the kind of problem: https://switchyard.dev/problems/<name>, or about:blank",
                      examples=["https://switchyard.dev/problems/invalid-job"])
    title: str = Field(description="a short summary of the kind of problem", examples=["Invalid job"])
    status: int = Field(ge=400, le=599, description="the HTTP status of this answer", examples=[422])
    detail: str | None = Field(default=None, description="what went wrong with this request")
    instance: str | None = Field(default=None, description="the path of the request", examples=["/v1/jobs"])
