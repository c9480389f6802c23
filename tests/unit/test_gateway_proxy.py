"""What the gateway relays from an internal API: the client's answer, with public paths and the headers it needs."""

import json

import httpx
import pytest

from services.common import http1
from services.common.problems import PROBLEM_JSON, Problem
from services.gateway.proxy import Upstream, ask, forward

PUBLIC = "/v1/admin/tenants/7/credit"


class Answering:
    """The internal client's place: answers every call with `handler(request)`, an httpx.Response for brevity."""

    def __init__(self, handler):
        self.handler = handler

    async def request(self, method: str, url: str, body: bytes, headers: dict[str, str]) -> http1.Response:
        answer = self.handler(httpx.Request(method, url, content=body, headers=headers))
        return http1.Response(answer.status_code, {k.lower(): v for k, v in answer.headers.items()}, answer.content)


def upstream(handler) -> Upstream:
    return Upstream(Answering(handler), PUBLIC)


def problem(status: int, **headers) -> httpx.Response:
    body = {"type": "https://switchyard.dev/problems/not-found", "title": "Not found", "status": status,
            "instance": "/internal/tenants/7/credit", "detail": "No tenant with that id."}
    return httpx.Response(status, json=body, headers={"content-type": PROBLEM_JSON, **headers})


async def test_a_relayed_problem_names_the_public_path_not_the_internal_one():
    answer = await forward(upstream(lambda r: problem(404)), "POST", "http://billing/internal/tenants/7/credit")
    body = json.loads(answer.body)
    assert answer.status_code == 404 and answer.media_type == PROBLEM_JSON
    assert body["instance"] == PUBLIC and body["detail"] == "No tenant with that id."


async def test_a_plain_json_error_becomes_a_problem_with_the_public_path():
    answer = await forward(upstream(lambda r: httpx.Response(409, json={"detail": "conflict"})), "GET", "http://b/x")
    assert answer.media_type == PROBLEM_JSON and json.loads(answer.body)["instance"] == PUBLIC


async def test_a_success_is_relayed_byte_for_byte():
    def handler(request):
        return httpx.Response(200, json={"balance": "5.00", "instance": "/internal/kept"})

    answer = await forward(upstream(handler), "GET", "http://billing/internal/tenants/7/balance")
    assert json.loads(answer.body) == {"balance": "5.00", "instance": "/internal/kept"}


async def test_an_error_body_that_is_not_json_is_left_alone():
    answer = await forward(upstream(lambda r: httpx.Response(502, text="bad gateway")), "GET", "http://b/x")
    assert answer.status_code == 502 and answer.body == b"bad gateway"


async def test_replayed_retry_after_and_location_reach_the_client():
    def handler(request):
        return httpx.Response(200, json={}, headers={"Idempotent-Replayed": "true", "Retry-After": "3",
                                                     "Location": "/v1/packages/1", "X-Internal": "secret"})

    answer = await forward(upstream(handler), "POST", "http://billing/internal/tenants/7/credit")
    assert answer.headers["idempotent-replayed"] == "true"
    assert answer.headers["retry-after"] == "3" and answer.headers["location"] == "/v1/packages/1"
    assert "x-internal" not in answer.headers


async def test_a_problem_keeps_its_retry_after():
    answer = await forward(upstream(lambda r: problem(503, **{"Retry-After": "5"})), "GET", "http://b/x")
    assert answer.headers["retry-after"] == "5"


@pytest.mark.parametrize("location", ["/internal/tenants/7/packages/1", "http://127.0.0.1:8101/v1/x"])
async def test_a_location_into_the_internal_api_is_not_shown(location):
    answer = await forward(upstream(lambda r: httpx.Response(201, json={}, headers={"Location": location})),
                           "POST", "http://b/x")
    assert "location" not in answer.headers


async def test_an_unanswered_call_is_a_503_with_retry_after():
    def handler(request):
        raise http1.HttpError("refused")

    with pytest.raises(Problem) as raised:
        await forward(upstream(handler), "GET", "http://b/x")
    assert raised.value.status == 503 and raised.value.headers == {"Retry-After": "5"}


async def test_ask_raises_the_upstream_problem_as_the_gateways_own():
    with pytest.raises(Problem) as raised:
        await ask(upstream(lambda r: problem(404)), "GET", "http://scheduler/internal/vendors")
    assert raised.value.status == 404 and raised.value.type == "not-found"


async def test_ask_keeps_the_upstream_problems_own_members_and_its_retry_after():
    errors = [{"location": "spec.name", "message": "too long", "type": "string_too_long"}]

    def invalid(_: httpx.Request) -> httpx.Response:
        body = {"type": "https://switchyard.dev/problems/invalid-request", "title": "Invalid request", "status": 422,
                "instance": "/internal/quotes", "errors": errors}
        return httpx.Response(422, json=body, headers={"content-type": PROBLEM_JSON, "Retry-After": "3"})

    with pytest.raises(Problem) as raised:
        await ask(upstream(invalid), "POST", "http://scheduler/internal/quotes")
    assert raised.value.extra == {"errors": errors} and raised.value.headers == {"Retry-After": "3"}


async def test_params_and_json_reach_the_internal_api():
    seen = {}

    def handler(request):
        seen.update(url=str(request.url), body=json.loads(request.content), type=request.headers["content-type"])
        return httpx.Response(200, json={"ok": True})

    assert await ask(upstream(handler), "POST", "http://b/x", json={"a": 1},
                     params={"idempotency_key": "k 1", "skipped": None}) == {"ok": True}
    assert seen == {"url": "http://b/x?idempotency_key=k+1", "body": {"a": 1}, "type": "application/json"}
