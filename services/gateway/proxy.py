"""Forwarding to the services that own balances, usage and webhooks.

Why internal HTTP rather than read models: balances and webhook secrets must be read from the one
place that writes them (a read model would lag behind a top-up or show a stale balance), and
writes such as a credit or a new webhook belong to their owner. The internal APIs listen on
127.0.0.1 only; the gateway authenticates the caller and passes the tenant id in the path.
"""

import httpx
from fastapi import Response

from services.common.problems import PROBLEM_JSON, Problem


async def forward(client: httpx.AsyncClient, method: str, url: str, *, json=None, params=None) -> Response:
    try:
        upstream = await client.request(method, url, json=json, params=params)
    except httpx.HTTPError as exc:
        raise Problem(503, "Service unavailable", f"An internal service did not answer: {type(exc).__name__}.",
                      type_="upstream-unavailable", headers={"Retry-After": "5"}) from None
    media_type = upstream.headers.get("content-type", "application/json")
    if upstream.status_code >= 400 and "json" in media_type and "problem" not in media_type:
        media_type = PROBLEM_JSON
    return Response(upstream.content, status_code=upstream.status_code, media_type=media_type)
