"""Sending what a careless or hostile client sends, and checking the answer is a problem document.

httpx encodes JSON as UTF-8 and query strings as UTF-8 too, so neither can carry a lone surrogate; these
helpers write JSON with `\\uXXXX` escapes and percent-encode queries byte by byte (a surrogate as the bytes
Python's `surrogatepass` gives), so the gateway receives exactly what a raw client could send."""

import json
from urllib.parse import quote

import httpx

from services.common.problems import PROBLEM_JSON


def send(client: httpx.Client, method: str, path: str, *, body=None, params: dict | None = None,
         raw_body: bytes | None = None) -> httpx.Response:
    url = path + (("?" + query(params)) if params else "")
    content = raw_body if raw_body is not None else (None if body is None else json.dumps(body).encode())
    headers = {"content-type": "application/json"} if content is not None else {}
    return client.request(method, url, content=content, headers=headers)


def query(params: dict) -> str:
    return "&".join(f"{_pct(str(k))}={_pct(str(v))}" for k, v in params.items())


def _pct(text: str) -> str:
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def path_segment(text: str) -> str:
    return _pct(text)


def assert_problem(response: httpx.Response, *statuses: int) -> dict:
    """A 4xx problem document (one of `statuses` when given): content type, type, title and status."""
    assert response.status_code < 500, f"{response.request.method} {response.request.url}: {response.status_code} " \
                                       f"{response.text[:500]}"
    assert response.status_code >= 400, f"{response.request.url}: {response.status_code} {response.text[:300]}"
    if statuses:
        assert response.status_code in statuses, (response.status_code, response.text[:500])
    assert response.headers.get("content-type", "").startswith(PROBLEM_JSON), (response.headers, response.text[:300])
    problem = response.json()
    assert isinstance(problem.get("type"), str) and isinstance(problem.get("title"), str), problem
    assert problem.get("status") == response.status_code, problem
    return problem


def assert_no_server_error(response: httpx.Response) -> None:
    """Below 500, and every error a problem document."""
    if response.status_code >= 400 or response.status_code < 200:
        assert_problem(response)
