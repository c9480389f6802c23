"""The adapters' httpx transport: plain-HTTP calls go through `services.common.http1` (keep-alive, httptools),
anything else (https, a proxy) through httpx's own transport; and `send`, the one way an adapter makes a call.

Why: httpx's default transport (httpcore) costs about 1.2 ms of CPU per call here, 0.25 ms through this
one (measured: one ModelArts simulator and adapter, `submit` in a loop, 8 in flight: 680 creates/s with
the client at 80 % of a core, then 810/s at 20 %). At hundreds of placements per second on two cores,
that was a core. The adapters keep httpx's API (requests, responses, errors), only the wire changes.
"""

import asyncio
from typing import Any

import httpx

from services.common.http1 import HttpClient, HttpError
from services.vendors.errors import VendorUnavailable

KEEP_IDLE = 64


class VendorTransport(httpx.AsyncBaseTransport):
    def __init__(self, *, fallback: httpx.AsyncBaseTransport | None = None):
        # Idle connections kept per vendor endpoint: at least as many as calls in flight (the dispatcher keeps
        # 24), or every round of calls past the pool closes some and opens new ones (a connect, an accept in
        # the vendor, on each).
        self._client = HttpClient(user_agent="switchyard", max_idle_per_origin=KEEP_IDLE)
        self._fallback = fallback or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme != "http" or request.method.upper() == "HEAD":
            return await self._fallback.handle_async_request(request)
        body = await request.aread()
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in request.headers.raw}
        timeouts = request.extensions.get("timeout") or {}
        deadline = max((t for t in timeouts.values() if t is not None), default=None)
        try:
            async with asyncio.timeout(deadline):
                answer = await self._client.request(request.method, str(request.url), body, headers)
        except TimeoutError:
            raise httpx.ReadTimeout(f"no answer within {deadline} s", request=request) from None
        except HttpError as exc:
            raise httpx.ConnectError(str(exc), request=request) from None
        # A stream, so httpx decodes a Content-Encoding (gzip) as it would for its own transport.
        return httpx.Response(answer.status, headers=answer.headers, stream=httpx.ByteStream(answer.body),
                              request=request)

    async def aclose(self) -> None:
        self._client.close()
        await self._fallback.aclose()


async def send(client: httpx.AsyncClient, vendor: str, method: str, url: str, **request: Any) -> httpx.Response:
    """`client.request(method, url, **request)`; a call that got no answer (a timeout, a refused connection, a
    protocol error) is VendorUnavailable, the transport error its cause. The answer itself is not checked."""
    try:
        return await client.request(method, url, **request)
    except httpx.TransportError as exc:
        raise VendorUnavailable(vendor, f"{method} {url}: {type(exc).__name__}: {exc}") from exc
