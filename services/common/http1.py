"""A small HTTP/1.1 client: keep-alive connections per origin, TLS that checks the URL's host (SNI and
certificate) even when connecting to a pinned address. The notifier POSTs deliveries with it (a response
body is read and dropped: `post`); the vendor adapters send every call through it (`request`, which keeps
the body), behind httpx's API (`services/vendors/transport.py`).

Why not httpx's own transport: it costs about 1 ms of CPU per request, several times this client (the
parsing is httptools', which uvicorn[standard] brings); at thousands of deliveries, or hundreds of
placements, per second that is most of the machine. Deadlines are the caller's (asyncio.timeout around
the call).
"""

import asyncio
import ssl
import time
from dataclasses import dataclass
from functools import lru_cache

import httptools
import httpx

MAX_BODY = 64 * 1024  # `post`: a larger response body is not read: the connection is closed instead
MAX_KEPT_BODY = 64 * 1024 * 1024  # `request`: a larger body is an error


class HttpError(Exception):
    """The request got no HTTP response: refused, reset, TLS failure, malformed response."""


class _Stale(HttpError):
    """A kept-alive connection was closed by the server before answering anything."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]  # names lower-cased
    body: bytes = b""  # kept by `request` only


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str  # IDNA-encoded; also the TLS server name
    port: int
    netloc: str  # the Host header
    path: bytes  # with the query


@lru_cache(maxsize=8192)
def _target(url: str) -> _Target:
    parsed = httpx.URL(url)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise HttpError(f"not an http(s) URL: {url}")
    return _Target(parsed.scheme, parsed.raw_host.decode("ascii"),
                   parsed.port or (443 if parsed.scheme == "https" else 80),
                   parsed.netloc.decode("ascii"), parsed.raw_path)


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.keep_body = False  # set per request
        self._body: list[bytes] = []
        self._parser = httptools.HttpResponseParser(self)
        self._transport: asyncio.Transport | None = None
        self._waiter: asyncio.Future | None = None
        self._headers: dict[str, str] = {}
        self._status: int | None = None
        self._body_bytes = 0
        self._got_bytes = False
        self.reusable = False
        self.closed = False
        self.idle_since = time.monotonic()

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self._waiter is None or self._waiter.done():
            self.close()  # nothing was asked: a server talking out of turn is not reused
            return
        self._got_bytes = True
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._finish(error=HttpError(f"malformed response: {exc}"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._status is not None:  # a body delimited by the end of the connection
            self._finish()
        elif not self._got_bytes:
            self._finish(error=_Stale("connection closed before any response"))
        else:
            self._finish(error=HttpError("connection closed in the middle of the response"))

    # httptools callbacks
    def on_message_begin(self) -> None:
        self._headers, self._status, self._body_bytes, self._body = {}, None, 0, []

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        self._status = self._parser.get_status_code()

    def on_body(self, body: bytes) -> None:
        self._body_bytes += len(body)
        if self.keep_body:
            self._body.append(body)
            if self._body_bytes > MAX_KEPT_BODY:
                self._finish(error=HttpError("response body too large"))
                self.close()
        elif self._body_bytes > MAX_BODY:
            self._finish()
            self.close()

    def on_message_complete(self) -> None:
        self.reusable = self._parser.should_keep_alive()
        self._finish()

    def _finish(self, error: Exception | None = None) -> None:
        if self._waiter is None or self._waiter.done():
            return
        if error is not None:
            self._waiter.set_exception(error)
        else:
            self._waiter.set_result(Response(self._status or 0, self._headers, b"".join(self._body)))

    async def request(self, data: bytes) -> Response:
        self.reusable, self._got_bytes, self._status = False, False, None
        self._waiter = asyncio.get_running_loop().create_future()
        self._transport.write(data)
        try:
            return await self._waiter
        finally:
            self._waiter = None

    def close(self) -> None:
        self.closed = True
        if self._transport is not None:
            self._transport.close()


class HttpClient:
    def __init__(self, *, user_agent: str, max_idle_per_origin: int = 16, idle_timeout_s: float = 30.0,
                 ssl_context: ssl.SSLContext | None = None):
        self._user_agent = user_agent
        self._max_idle, self._idle_timeout_s = max_idle_per_origin, idle_timeout_s
        self._ssl = ssl_context or ssl.create_default_context()
        self._idle: dict[tuple, list[_Connection]] = {}

    async def post(self, url: str, body: bytes, headers: dict[str, str], *,
                   connect_to: str | None = None) -> Response:
        """POST `body` to `url`, reading the response's status and headers (its body is dropped).
        `connect_to` is the address to connect to (checked by the caller), the Host header and the TLS
        name staying the URL's host."""
        return await self._send("POST", url, body, headers, connect_to=connect_to, keep_body=False)

    async def request(self, method: str, url: str, body: bytes, headers: dict[str, str]) -> Response:
        """Any request; the response's body is kept. A HEAD request is not supported (its response has
        headers announcing a body it does not carry)."""
        return await self._send(method, url, body, headers, connect_to=None, keep_body=True)

    async def _send(self, method: str, url: str, body: bytes, headers: dict[str, str], *,
                    connect_to: str | None, keep_body: bool) -> Response:
        target = _target(url)
        origin = (target.scheme, target.host, target.port, connect_to)
        request = self._serialize(method, target, body, headers)
        while True:
            connection = self._checkout(origin)
            reused = connection is not None
            if connection is None:
                connection = await self._connect(target, connect_to)
            connection.keep_body = keep_body
            try:
                response = await connection.request(request)
            except _Stale:
                connection.close()
                if reused:
                    continue  # the server dropped an idle connection just now: once more on a fresh one
                raise HttpError("connection closed before any response") from None
            except BaseException:
                connection.close()  # cancelled (deadline) or failed mid-response: never reused
                raise
            if connection.reusable and not connection.closed:
                self._checkin(origin, connection)
            else:
                connection.close()
            return response

    def _serialize(self, method: str, target: _Target, body: bytes, headers: dict[str, str]) -> bytes:
        if method.upper() == "HEAD" or not method.isalpha():
            raise HttpError(f"unsupported method {method!r}")
        lines = [f"{method.upper()} {target.path.decode('ascii')} HTTP/1.1", f"host: {target.netloc}",
                 f"user-agent: {self._user_agent}", f"content-length: {len(body)}"]
        for name, value in headers.items():
            if name.lower() in ("host", "content-length", "user-agent", "transfer-encoding"):
                continue
            if "\r" in value or "\n" in value or "\r" in name or "\n" in name or ":" in name:
                raise HttpError(f"invalid header {name!r}")
            lines.append(f"{name}: {value}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    async def _connect(self, target: _Target, connect_to: str | None) -> _Connection:
        tls = target.scheme == "https"
        try:
            _, connection = await asyncio.get_running_loop().create_connection(
                _Connection, connect_to or target.host, target.port,
                ssl=self._ssl if tls else None, server_hostname=target.host if tls else None,
            )
        except (OSError, ssl.SSLError) as exc:
            raise HttpError(f"{type(exc).__name__}: {exc}") from None
        return connection

    def _checkout(self, origin: tuple) -> _Connection | None:
        idle = self._idle.get(origin)
        now = time.monotonic()
        while idle:
            connection = idle.pop()
            if not connection.closed and now - connection.idle_since < self._idle_timeout_s:
                return connection
            connection.close()
        return None

    def _checkin(self, origin: tuple, connection: _Connection) -> None:
        idle = self._idle.setdefault(origin, [])
        if len(idle) >= self._max_idle:
            connection.close()
            return
        connection.idle_since = time.monotonic()
        idle.append(connection)

    def sweep(self) -> None:
        """Close connections idle for longer than the idle timeout (call now and then)."""
        now = time.monotonic()
        for origin, idle in list(self._idle.items()):
            keep = [c for c in idle if not c.closed and now - c.idle_since < self._idle_timeout_s]
            for connection in idle:
                if connection not in keep:
                    connection.close()
            if keep:
                self._idle[origin] = keep
            else:
                del self._idle[origin]

    def close(self) -> None:
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()
