"""Forwarding to the services that own balances, usage and webhooks.

Why internal HTTP rather than read models: balances and webhook secrets must be read from the one
place that writes them (a read model would lag behind a top-up or show a stale balance), and
writes such as a credit or a new webhook belong to their owner. The internal APIs listen on
127.0.0.1 only; the gateway authenticates the caller and passes the tenant id in the path.
"""

from typing import Any

import httpx
from fastapi import Response

from services.common.problems import PROBLEM_JSON, Problem


def _unanswered(exc: httpx.HTTPError) -> Problem:
    return Problem(503, "Service unavailable", f"An internal service did not answer: {type(exc).__name__}.",
                   type_="upstream-unavailable", headers={"Retry-After": "5"})


async def forward(client: httpx.AsyncClient, method: str, url: str, *, json=None, params=None) -> Response:
    try:
        upstream = await client.request(method, url, json=json, params=params)
    except httpx.HTTPError as exc:
        raise _unanswered(exc) from None
    media_type = upstream.headers.get("content-type", "application/json")
    if upstream.status_code >= 400 and "json" in media_type and "problem" not in media_type:
        media_type = PROBLEM_JSON
    return Response(upstream.content, status_code=upstream.status_code, media_type=media_type)


async def ask(client: httpx.AsyncClient, method: str, url: str, **kwargs) -> Any:
    """An internal service's JSON answer, for a route that shapes it; its problem is raised as the gateway's."""
    try:
        upstream = await client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise _unanswered(exc) from None
    if upstream.status_code >= 400:
        body = upstream.json() if "json" in upstream.headers.get("content-type", "") else {}
        retry_after = upstream.headers.get("Retry-After")
        raise Problem(upstream.status_code, body.get("title", "Upstream error"), body.get("detail"),
                      type_=str(body.get("type", "upstream-error")).rpartition("/")[2],
                      headers={"Retry-After": retry_after} if retry_after else None)
    return upstream.json()
