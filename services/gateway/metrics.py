"""The gateway's Prometheus families: every request by its route template (never its path: ids would make a
series per job), method and status, and the jobs accepted by kind."""

import time

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HTTP_REQUESTS = Counter("switchyard_http_requests_total", "Requests answered by the public API.",
                        ["route", "method", "status"])
HTTP_DURATION = Histogram("switchyard_http_request_duration_seconds",
                          "Time from a request's arrival to the end of its answer.", ["route", "method"],
                          buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
JOBS_SUBMITTED = Counter("switchyard_jobs_submitted_total", "Jobs accepted by POST /v1/jobs (replays not counted).",
                         ["kind"])

UNMATCHED = "unmatched"  # no route: one label for every unknown path


class RequestMetrics:
    """Plain ASGI middleware (no task per request, unlike Starlette's BaseHTTPMiddleware): counts and times every
    answer. The route is known once the router has matched it, so it is read after the app returns."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == "/metrics":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets should the app fail before answering

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or UNMATCHED
            method = scope["method"]
            HTTP_REQUESTS.labels(template, method, str(status)).inc()
            HTTP_DURATION.labels(template, method).observe(time.perf_counter() - started)
