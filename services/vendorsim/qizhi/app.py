"""The Qizhi simulator's HTTP surface: the document's four endpoints plus the [EXT] spec list.

Every vendor endpoint is a POST with a JSON body, strictly decoded. [EXT] answers are HTTP 200 with
the envelope `{code, message, data}`; a missing, unknown or expired token is HTTP 200 `code: -1`.
A body that is not JSON is HTTP 400 with a plain string, as the document's 400 says; without the envelope
every error is (a refused token too, by default).

Simulator controls under `/_sim/` (not vendor endpoints): faults, `POST /_sim/tokens/expire`,
`GET /_sim/jobs` (every job's id, name and status), `GET|DELETE /_sim/stats` (calls per path, when each
arrived and the most calls in flight at once, to check a client's own limits).
"""

import collections
import json
import secrets
import time
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from services.vendorsim.faults import SIM_PATH_PREFIX, FaultInjector, FaultResponses, install_faults
from services.vendorsim.qizhi.config import QizhiSimConfig
from services.vendorsim.qizhi.decoding import (
    DETAIL_REQUEST,
    JOB_REQUEST,
    SPECS_REQUEST,
    STOP_REQUEST,
    TOKEN_REQUEST,
    DecodeError,
    Struct,
    decode,
)
from services.vendorsim.qizhi.errors import INTERNAL_ERROR, PARAMETER_ERROR, TOKEN_INVALID, QizhiError, invalid
from services.vendorsim.qizhi.jobs import TrainJobs
from services.vendorsim.seeding import SEED_PATH, parse_seed_request, seeded

# [INFER] the document has no login error; a refused login uses the parameter-error code.
_LOGIN_REFUSED = QizhiError(PARAMETER_ERROR, "用户名或密码错误 (invalid username or password)")
_TOKEN_EXPIRED = QizhiError(TOKEN_INVALID, "token is expired")

# [EXT] throttling comes from the APISIX gateway in front of the platform: HTTP 429 with an HTML
# page and (when it says) Retry-After; outages look like a gateway's 503 page.
FAULT_RESPONSES = FaultResponses(
    server_error=lambda: JSONResponse({"code": INTERNAL_ERROR, "message": "internal server error"}, status_code=500),
    throttled=lambda: HTMLResponse(
        "<html><head><title>429 Too Many Requests</title></head><body><center><h1>429 Too Many Requests</h1>"
        "</center><hr><center>openresty</center></body></html>",
        status_code=429,
        headers={"Retry-After": "1"},
    ),
    unavailable=lambda: HTMLResponse(
        "<html><head><title>503 Service Temporarily Unavailable</title></head><body><center>"
        "<h1>503 Service Temporarily Unavailable</h1></center></body></html>",
        status_code=503,
    ),
)


class _BadBody(Exception):
    """The body is not JSON at all."""


class _Tokens:
    """Opaque bearer tokens with an expiry."""

    def __init__(self, ttl_s: float) -> None:
        self._ttl_s = ttl_s
        self._expires_at: dict[str, float] = {}

    def issue(self, now: float) -> str:
        token = secrets.token_urlsafe(32)
        self._expires_at[token] = now + self._ttl_s
        return token

    def check(self, authorization: str | None, now: float) -> None:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or self._expires_at.get(token.strip(), float("-inf")) <= now:
            raise _TOKEN_EXPIRED

    def expire_all(self, now: float) -> None:
        self._expires_at = {token: min(at, now) for token, at in self._expires_at.items()}


class _Stats:
    def __init__(self) -> None:
        self.calls: dict[str, int] = {}
        self.in_flight = 0
        self.max_in_flight = 0
        self.arrived_at: collections.deque[float] = collections.deque(maxlen=10_000)  # to count calls per second

    def as_dict(self) -> dict[str, Any]:
        return {"calls": dict(self.calls), "max_in_flight": self.max_in_flight, "arrived_at": list(self.arrived_at)}


class _CountCalls:
    """Counts every vendor call into `_Stats` (plain ASGI: no per-request task, unlike `BaseHTTPMiddleware`)."""

    def __init__(self, app: ASGIApp, stats: _Stats) -> None:
        self.app = app
        self.stats = stats

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(SIM_PATH_PREFIX):
            await self.app(scope, receive, send)
            return
        stats, path = self.stats, scope["path"]
        stats.calls[path] = stats.calls.get(path, 0) + 1
        stats.arrived_at.append(time.monotonic())
        stats.in_flight += 1
        stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        try:
            await self.app(scope, receive, send)
        finally:
            stats.in_flight -= 1


def create_app(config: QizhiSimConfig | None = None) -> FastAPI:
    config = config or QizhiSimConfig()
    clock = config.clock
    tokens = _Tokens(config.token_ttl_s)
    jobs = TrainJobs(config)
    faults = FaultInjector(config.fault_seed)
    stats = _Stats()

    app = FastAPI(title="Qizhi (SII) openapi simulator")
    install_faults(app, faults, FAULT_RESPONSES)

    app.add_middleware(_CountCalls, stats=stats)  # added last, so outermost: it also counts calls a fault answers

    @app.exception_handler(QizhiError)
    async def qizhi_error(_: Request, exc: QizhiError) -> Response:
        if config.envelope:
            return JSONResponse({"code": exc.code, "message": exc.message})
        # The document's literal shape: HTTP 400 with a string (a refused token too, unless set to 401 as a
        # gateway in front would answer).
        status = config.bare_token_status if exc.code == TOKEN_INVALID else 400
        return PlainTextResponse(exc.message, status_code=status)

    @app.exception_handler(_BadBody)
    async def bad_body(_: Request, __: _BadBody) -> Response:
        return PlainTextResponse("invalid request body", status_code=400)

    def ok(data: Any) -> JSONResponse:
        return JSONResponse({"code": 0, "message": "success", "data": data} if config.envelope else data)

    async def body(request: Request, model: Struct, *, authorized: bool = True) -> dict[str, Any]:
        if authorized:
            tokens.check(request.headers.get("Authorization"), clock())
        raw = await request.body()
        try:
            value = json.loads(raw) if raw.strip() else {}  # the document marks every body optional
        except ValueError:
            raise _BadBody() from None
        try:
            return decode(value, model)
        except DecodeError as exc:
            raise invalid(str(exc)) from None

    @app.post("/auth/token")
    async def issue_token(request: Request) -> Response:
        credentials = await body(request, TOKEN_REQUEST, authorized=False)
        if (credentials.get("username"), credentials.get("password")) != (config.username, config.password):
            raise _LOGIN_REFUSED
        token = tokens.issue(clock())
        return ok({"access_token": token, "expires_in": int(config.token_ttl_s), "token_type": "Bearer"})

    @app.post("/openapi/v1/specs/list")
    async def list_specs(request: Request) -> Response:
        return ok(jobs.specs(await body(request, SPECS_REQUEST)))

    @app.post("/openapi/v1/train_job/create")
    async def create_job(request: Request) -> Response:
        decoded = await body(request, JOB_REQUEST)
        return ok(jobs.create(decoded, clock(), faults.is_sold_out))

    @app.post("/openapi/v1/train_job/detail")
    async def job_detail(request: Request) -> Response:
        return ok(jobs.detail(await body(request, DETAIL_REQUEST), clock()))

    @app.post("/openapi/v1/train_job/stop")
    async def stop_job(request: Request) -> Response:
        jobs.stop(await body(request, STOP_REQUEST), clock())
        return ok({})

    @app.post(f"{SIM_PATH_PREFIX}tokens/expire", status_code=204)
    async def expire_tokens() -> Response:
        tokens.expire_all(clock())
        return Response(status_code=204)

    @app.get(f"{SIM_PATH_PREFIX}jobs")
    async def sim_jobs() -> list[dict[str, str]]:
        return jobs.summary(clock())

    @app.post(SEED_PATH)
    async def seed_jobs(request: Request) -> list[dict[str, Any]]:
        """Simulator-only bulk seeding (`seeding.py`); not counted in the stats."""
        raw = await request.body()
        try:
            seed = parse_seed_request(json.loads(raw))
        except ValueError:
            raise _BadBody() from None
        now = clock()
        answer = []
        for index, raw_body in enumerate(seed.bodies):
            try:
                decoded = decode(raw_body, JOB_REQUEST)  # what the create route runs
            except DecodeError as exc:
                raise invalid(str(exc)) from None
            view = jobs.create(decoded, now, faults.is_sold_out)
            ready_at = jobs.seeded_pending(view["job_id"], seed.pending(index))
            answer.append(seeded(view["job_id"], view["name"], view["status"], ready_at))
        return answer

    @app.get(f"{SIM_PATH_PREFIX}stats")
    async def read_stats() -> dict[str, Any]:
        return stats.as_dict()

    @app.delete(f"{SIM_PATH_PREFIX}stats", status_code=204)
    async def reset_stats() -> Response:
        stats.calls.clear()
        stats.arrived_at.clear()
        stats.max_in_flight = stats.in_flight
        return Response(status_code=204)

    return app
