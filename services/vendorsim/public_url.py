"""Where a simulator's notebooks and services are reached from outside: its public base URL.

The simulators' `public_url` setting names it (`python -m services.vendorsim` sets http://127.0.0.1:<port>); an
app built in a test without it takes the base URL of the requests it serves, which is where its caller reached it.
"""

from starlette.types import ASGIApp, Receive, Scope, Send


class PublicUrl:
    """The base URL (no trailing slash) addresses the simulator hands out start with."""

    def __init__(self, configured: str | None) -> None:
        self._configured = configured.rstrip("/") if configured else None
        self._seen: str | None = None

    @property
    def value(self) -> str:
        return self._configured or self._seen or "http://127.0.0.1"

    def middleware(self, app: ASGIApp) -> ASGIApp:
        """Plain ASGI: remembers each HTTP request's base URL while no public URL is configured."""

        async def remember(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and self._configured is None:
                host = dict(scope.get("headers") or []).get(b"host")
                if host:
                    self._seen = f"{scope.get('scheme', 'http')}://{host.decode('latin-1')}"
            await app(scope, receive, send)

        return remember
