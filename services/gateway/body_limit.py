"""A size limit on every request body, per route: past it the gateway answers 413 problem+json before
reading the rest, so an oversized body is never parsed, stored or sent on as an event (Kafka takes 1 MiB
at most per message; a job spec is bounded far below that in `contracts/jobs.py`)."""

from collections.abc import Mapping

from starlette.requests import Request
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.problems import problem_response


def limit_for(method: str, route_path: str | None, default: int, limits: Mapping[str, int]) -> int:
    """The limit of one route: its entry in `limits` ("POST /v1/jobs", the path as declared), else `default`."""
    if route_path is None:
        return default
    return limits.get(f"{method} {route_path}", default)


def _routes(routes):
    """Every route, included routers flattened (FastAPI keeps an included router as one entry)."""
    for route in routes:
        if hasattr(route, "original_router"):
            yield from _routes(route.original_router.routes)
        else:
            yield route


class _TooLarge(Exception):
    pass


class BodySizeLimit:
    """ASGI middleware: checks Content-Length first, then counts the bytes as they come (a chunked body)."""

    def __init__(self, app: ASGIApp, *, default: int, limits: Mapping[str, int] | None = None) -> None:
        self.app, self.default, self.limits = app, default, dict(limits or {})
        # Finding a request's route walks every route: done only for a method some route has a limit of its own for.
        self.methods_with_limits = {key.split(" ", 1)[0] for key in self.limits}

    def _route_path(self, scope: Scope) -> str | None:
        """The declared path of the route the request goes to (the app is in the scope before routing)."""
        for route in _routes(getattr(scope.get("app"), "routes", ())):
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return getattr(route, "path", None)
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        route_path = self._route_path(scope) if method in self.methods_with_limits else None
        limit = limit_for(method, route_path, self.default, self.limits)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return

        received, started = 0, False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except _TooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send, limit)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem_response(Request(scope), 413, "Request body too large",
                                    f"This endpoint takes a body of at most {limit} bytes.",
                                    "body-too-large", limit_bytes=limit)
        await response(scope, receive, send)
