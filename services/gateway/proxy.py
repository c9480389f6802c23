"""Forwarding to the services that own balances, usage and webhooks.

Why internal HTTP rather than read models: balances and webhook secrets must be read from the one
place that writes them (a read model would lag behind a top-up or show a stale balance), and
writes such as a credit or a new webhook belong to their owner. The internal APIs listen on
127.0.0.1 only; the gateway authenticates the caller and passes the tenant id in the path.

What is relayed is the client's answer, not the internal one: a problem's `instance` names the public
request path (never `/internal/...`), and the headers that tell the client what happened or when to
come back (`Idempotent-Replayed`, `Retry-After`, `Location`) reach it.
"""

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from fastapi import Response

from services.common.problems import PROBLEM_JSON, Problem

RELAYED_HEADERS = ("Idempotent-Replayed", "Retry-After", "Location")
INTERNAL_PREFIX = "/internal/"
_PROBLEM_MEMBERS = ("type", "title", "status", "detail", "instance")  # set anew by the gateway's own problem


@dataclass(frozen=True)
class Upstream:
    """The internal HTTP client as one public request uses it: `public_path` is that request's path."""

    client: httpx.AsyncClient
    public_path: str


def _unanswered(exc: httpx.HTTPError) -> Problem:
    return Problem(503, "Service unavailable", f"An internal service did not answer: {type(exc).__name__}.",
                   type_="upstream-unavailable", headers={"Retry-After": "5"})


def public_problem(content: bytes, public_path: str) -> bytes:
    """A relayed problem document with `instance` set to the public path (left alone when it is no JSON object)."""
    try:
        body = json.loads(content)
    except ValueError:
        return content
    if not isinstance(body, dict):
        return content
    body["instance"] = public_path
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def relayed_headers(upstream: httpx.Response) -> dict[str, str]:
    """The upstream's headers the client should see. A Location into the internal API (a path under
    /internal/, or the upstream's own URL) is dropped: the client could not follow it, and the gateway
    has no general map from internal to public paths."""
    headers = {name: upstream.headers[name] for name in RELAYED_HEADERS if name in upstream.headers}
    location = headers.get("Location")
    if location is not None and (location.startswith(INTERNAL_PREFIX) or urlsplit(location).netloc):
        del headers["Location"]
    return headers


async def forward(upstream: Upstream, method: str, url: str, *, json=None, params=None) -> Response:
    try:
        answer = await upstream.client.request(method, url, json=json, params=params)
    except httpx.HTTPError as exc:
        raise _unanswered(exc) from None
    media_type = answer.headers.get("content-type", "application/json")
    content = answer.content
    if answer.status_code >= 400 and "json" in media_type:
        if "problem" not in media_type:
            media_type = PROBLEM_JSON
        content = public_problem(content, upstream.public_path)
    return Response(content, status_code=answer.status_code, media_type=media_type, headers=relayed_headers(answer))


async def ask(upstream: Upstream, method: str, url: str, **kwargs) -> Any:
    """An internal service's JSON answer, for a route that shapes it; its problem is raised as the gateway's
    (so its `instance` is the public path)."""
    try:
        answer = await upstream.client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise _unanswered(exc) from None
    if answer.status_code >= 400:
        body = answer.json() if "json" in answer.headers.get("content-type", "") else {}
        extra = {k: v for k, v in body.items() if k not in _PROBLEM_MEMBERS}  # e.g. a 422's `errors`
        raise Problem(answer.status_code, body.get("title", "Upstream error"), body.get("detail"),
                      type_=str(body.get("type", "upstream-error")).rpartition("/")[2],
                      headers=relayed_headers(answer) or None, **extra)
    return answer.json()
