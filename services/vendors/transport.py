"""`send`, the one way an adapter makes a call; the adapters' clients use `services.common.http_transport`."""

from typing import Any

import httpx

from services.vendors.errors import VendorUnavailable

async def send(client: httpx.AsyncClient, vendor: str, method: str, url: str, **request: Any) -> httpx.Response:
    """`client.request(method, url, **request)`; a call that got no answer (a timeout, a refused connection, a
    protocol error) is VendorUnavailable, the transport error its cause. The answer itself is not checked."""
    try:
        return await client.request(method, url, **request)
    except httpx.TransportError as exc:
        raise VendorUnavailable(vendor, f"{method} {url}: {type(exc).__name__}: {exc}") from exc
