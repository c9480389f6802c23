"""The Python client over a mocked transport: problems as ApiError, retries on 429/503 within bounds and with
the same Idempotency-Key, pages followed to the end, the async client alike."""

import inspect
import json
from datetime import UTC, datetime

import httpx
import pytest

from switchyard_client import ApiError, ApiUnreachable, AsyncClient, Client, RetryPolicy
from switchyard_client.client import Call, _Routes
from switchyard_client.retry import parse_retry_after

JOB = {"id": "6f1c1f0e-2b8a-4a53-9d1e-1d2f3a4b5c6d", "kind": "training", "name": "resnet", "status": "PENDING",
       "status_reason": None, "vendor": None, "vendor_job_id": None, "flavor": None,
       "resources": {"accelerator": "ascend-910b", "count": 1}, "priority": "normal", "queue": None,
       "created_at": "2026-12-02T01:00:00Z", "started_at": None, "finished_at": None,
       "cost": {"amount": "0.00", "currency": "CNY"}, "endpoints": [],
       "invocations": {"count": 0, "bytes": 0}}
SPEC = {"kind": "training", "name": "resnet", "image": "img", "command": "python train.py",
        "resources": {"accelerator": "ascend-910b", "count": 1}}


def answering(*responses):
    """A transport answering the given responses in turn, and the requests it saw."""
    seen, queue = [], list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return httpx.MockTransport(handler), seen


def problem(status, title, detail=None, headers=None, **extra):
    body = {"type": f"https://switchyard.dev/problems/{title.lower().replace(' ', '-')}", "title": title,
            "status": status, **({"detail": detail} if detail else {}), **extra}
    return httpx.Response(status, json=body, headers={"content-type": "application/problem+json", **(headers or {})})


def test_a_problem_is_raised_as_one_error_with_its_members():
    transport, _ = answering(problem(422, "Invalid job", "The job spec is invalid.",
                                     errors=[{"location": "resources.count", "message": "too big"}]))
    with Client(api_key="k", transport=transport) as client, pytest.raises(ApiError) as caught:
        client.submit_job(SPEC)
    error = caught.value
    assert (error.status, error.title, error.detail) == (422, "Invalid job", "The job spec is invalid.")
    assert error.type.endswith("/invalid-job")
    assert error.extra["errors"][0]["location"] == "resources.count"


def test_a_429_is_retried_after_what_retry_after_asks_with_the_same_idempotency_key():
    transport, seen = answering(problem(429, "Too many requests", headers={"Retry-After": "3"}),
                                httpx.Response(202, json=JOB))
    waits = []
    with Client(api_key="k", transport=transport, sleep=waits.append) as client:
        job = client.submit_job(SPEC)
    assert str(job.id) == JOB["id"] and job.raw == JOB
    assert waits == [3.0]
    keys = [r.headers["Idempotency-Key"] for r in seen]
    assert len(keys) == 2 and keys[0] == keys[1] and keys[0]
    assert seen[0].headers["Authorization"] == "Bearer k"


def test_each_create_call_has_its_own_key_and_a_given_key_is_kept():
    transport, seen = answering(httpx.Response(202, json=JOB))
    with Client(api_key="k", transport=transport) as client:
        client.submit_job(SPEC)
        client.submit_job(SPEC)
        client.submit_job(SPEC, idempotency_key="mine")
        client.get_job(JOB["id"])
    keys = [r.headers.get("Idempotency-Key") for r in seen]
    assert keys[0] != keys[1] and keys[2] == "mine" and keys[3] is None


def test_retries_are_bounded_and_each_wait_is_capped():
    transport, seen = answering(problem(503, "Unavailable", headers={"Retry-After": "3600"}))
    waits = []
    with Client(api_key="k", transport=transport, sleep=waits.append,
                retry=RetryPolicy(attempts=3, max_wait_s=5)) as client, pytest.raises(ApiError) as caught:
        client.balance()
    assert caught.value.status == 503
    assert len(seen) == 3 and waits == [5, 5]


def test_other_errors_are_not_retried():
    transport, seen = answering(problem(404, "Not found", "No job with that id."))
    with Client(api_key="k", transport=transport, sleep=lambda s: None) as client, pytest.raises(ApiError):
        client.get_job(JOB["id"])
    assert len(seen) == 1


def test_without_retry_after_the_backoff_grows():
    policy = RetryPolicy(attempts=5, base_s=1, max_wait_s=100)
    waits = [policy.wait_s(n, None) for n in (1, 2, 3)]
    assert 1 <= waits[0] <= 1.5 and 2 <= waits[1] <= 3 and 4 <= waits[2] <= 6
    assert policy.wait_s(5, None) is None


def test_retry_after_as_an_http_date():
    now = datetime(2026, 12, 2, 1, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Wed, 02 Dec 2026 01:00:07 GMT", now) == 7
    assert parse_retry_after("soon", now) is None and parse_retry_after(None) is None


def test_a_paged_list_is_followed_to_its_last_page():
    first = {"items": [JOB], "next_cursor": "c1"}
    second = {"items": [{**JOB, "id": "7f1c1f0e-2b8a-4a53-9d1e-1d2f3a4b5c6d"}], "next_cursor": None}
    transport, seen = answering(httpx.Response(200, json=first), httpx.Response(200, json=second))
    with Client(api_key="k", transport=transport) as client:
        ids = [str(job.id)[:2] for job in client.iter_jobs(page_size=1)]
    assert ids == ["6f", "7f"]
    assert [r.url.params.get("cursor") for r in seen] == [None, "c1"]


def test_an_unreachable_api_is_its_own_error():
    def refuse(request):
        raise httpx.ConnectError("connection refused", request=request)

    with Client(api_key="k", transport=httpx.MockTransport(refuse)) as client, pytest.raises(ApiUnreachable):
        client.balance()


async def test_the_async_client_retries_and_pages_alike():
    transport, seen = answering(problem(503, "Unavailable", headers={"Retry-After": "1"}),
                                httpx.Response(202, json=JOB), httpx.Response(200, json={"items": [JOB],
                                                                                         "next_cursor": None}))
    waits = []

    async def sleep(seconds):
        waits.append(seconds)

    async with AsyncClient(api_key="k", transport=transport, sleep=sleep) as client:
        job = await client.submit_job(SPEC)
        listed = [j async for j in client.iter_jobs()]
    assert job.status == "PENDING" and [str(j.id) for j in listed] == [JOB["id"]]
    assert waits == [1.0]
    assert seen[0].headers["Idempotency-Key"] == seen[1].headers["Idempotency-Key"]
    assert json.loads(seen[1].content) == SPEC


def test_the_client_package_imports_nothing_of_the_project():
    # `pip install ./client` alone must work: the client knows the API, not the code behind it.
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "client" / "switchyard_client"
    imported = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module)
    assert sorted(n for n in imported if n.split(".")[0] in ("services", "contracts", "tests")) == []


KEY = {"id": "8f1c1f0e-2b8a-4a53-9d1e-1d2f3a4b5c6d", "name": "ci", "prefix": "sk_live_ab", "created_at":
       "2026-12-02T01:00:00Z", "last_used_at": None, "expires_at": None}


def _positional(method) -> list[str]:
    """Placeholder values for a method's positional parameters (the ids in its path)."""
    return ["id-1" for p in inspect.signature(method).parameters.values()
            if p.kind is p.POSITIONAL_OR_KEYWORD and p.default is p.empty and p.name != "self"]


class Recorder(_Routes):
    def _run(self, call: Call) -> Call:
        return call


def test_every_paged_listing_has_an_iterator_that_follows_its_cursor():
    # A route method taking a cursor is a paged listing: some iter_ method must ask for its pages one after another.
    paged = {getattr(Recorder(), name)(*_positional(fn)).path
             for name, fn in inspect.getmembers(_Routes, inspect.isfunction)
             if "cursor" in inspect.signature(fn).parameters}
    page = {"items": [], "next_cursor": "c1", "total": {"amount": "0.00"}}
    iterated = set()
    for name in (n for n in dir(Client) if n.startswith("iter_")):
        transport, seen = answering(httpx.Response(200, json=page),
                                    httpx.Response(200, json={**page, "next_cursor": None}))
        with Client(api_key="k", transport=transport) as client:
            method = getattr(client, name)
            assert list(method(*_positional(method))) == []
        assert [r.url.params.get("cursor") for r in seen] == [None, "c1"], name
        iterated.add(seen[0].url.path)
    assert sorted(paged - iterated) == []


def test_a_key_is_made_listed_and_revoked():
    transport, seen = answering(httpx.Response(201, json={**KEY, "api_key": "sk_live_abcdef"}),
                                httpx.Response(200, json={"items": [KEY], "next_cursor": None}),
                                httpx.Response(204))
    with Client(api_key="k", transport=transport) as client:
        made = client.create_api_key("ci", expires_at="2027-06-30T00:00:00Z")
        listed = client.api_keys(limit=10)
        assert client.delete_api_key(made.id) is None
    assert made.api_key == "sk_live_abcdef" and listed.items[0].prefix == "sk_live_ab"
    assert json.loads(seen[0].content) == {"name": "ci", "expires_at": "2027-06-30T00:00:00Z"}
    assert seen[0].headers["Idempotency-Key"]
    assert [(r.method, r.url.path) for r in seen] == [("POST", "/v1/api-keys"), ("GET", "/v1/api-keys"),
                                                       ("DELETE", f"/v1/api-keys/{KEY['id']}")]
    assert seen[1].url.params["limit"] == "10"


def test_the_audit_log_is_filtered_and_paged_to_the_end():
    record = {"id": 9, "at": "2026-12-02T01:00:00Z", "actor": "operator", "action": "suspend_tenant",
              "method": "POST", "target": "/v1/admin/tenants/x/suspend", "tenant_id": None, "status": 200,
              "details": {}}
    transport, seen = answering(httpx.Response(200, json={"items": [record], "next_cursor": "9"}),
                                httpx.Response(200, json={"items": [{**record, "id": 8}], "next_cursor": None}))
    with Client(api_key="admin", transport=transport) as client:
        ids = [r.id for r in client.iter_audit(action="suspend_tenant", since="2026-12-01T00:00:00Z",
                                               until="2026-12-03T00:00:00Z", page_size=1)]
    assert ids == [9, 8]
    assert dict(seen[1].url.params) == {"action": "suspend_tenant", "from": "2026-12-01T00:00:00Z",
                                        "to": "2026-12-03T00:00:00Z", "limit": "1", "cursor": "9"}


async def test_the_async_client_follows_every_page_of_a_listing():
    transport, seen = answering(httpx.Response(200, json={"items": [KEY], "next_cursor": "c1"}),
                                httpx.Response(200, json={"items": [KEY], "next_cursor": None}))
    async with AsyncClient(api_key="k", transport=transport) as client:
        pages = [page async for page in client.pages(client.tenant_api_keys, "t-1", limit=1)]
    assert [len(p.items) for p in pages] == [1, 1] and pages[-1].next_cursor is None
    assert [(r.url.path, r.url.params.get("cursor")) for r in seen] == [("/v1/admin/tenants/t-1/api-keys", None),
                                                                         ("/v1/admin/tenants/t-1/api-keys", "c1")]


STREAM = b"data: step 1/1000 loss 2.300\n\n: keep-alive\n\ndata: exit status 0\n\nevent: end\ndata: SUCCEEDED\n\n"


def test_logs_are_one_text_and_tail_is_passed():
    transport, seen = answering(httpx.Response(200, text="a\nb\n", headers={"content-type": "text/plain"}))
    with Client(api_key="k", transport=transport) as client:
        assert client.logs(JOB["id"], tail=2) == "a\nb\n"
    assert seen[0].url.path == f"/v1/jobs/{JOB['id']}/logs" and dict(seen[0].url.params) == {"tail": "2"}


def test_followed_logs_are_their_lines_until_the_end_event():
    transport, seen = answering(httpx.Response(200, content=STREAM, headers={"content-type": "text/event-stream"}))
    with Client(api_key="k", transport=transport) as client:
        assert list(client.logs(JOB["id"], follow=True)) == ["step 1/1000 loss 2.300", "exit status 0"]
    assert seen[0].url.params["follow"] == "true" and seen[0].headers["Accept"] == "text/event-stream"


def test_a_followed_log_refused_raises_its_problem():
    transport, _ = answering(problem(501, "Logs unsupported", "qizhi offers no job logs", vendor="qizhi"))
    with Client(api_key="k", transport=transport) as client, pytest.raises(ApiError) as caught:
        list(client.logs(JOB["id"], follow=True))
    assert caught.value.status == 501 and caught.value.extra["vendor"] == "qizhi"


async def test_the_async_client_follows_logs_alike():
    transport, _ = answering(httpx.Response(200, content=STREAM, headers={"content-type": "text/event-stream"}))
    async with AsyncClient(api_key="k", transport=transport) as client:
        lines = [line async for line in client.logs(JOB["id"], follow=True)]
    assert lines == ["step 1/1000 loss 2.300", "exit status 0"]


def test_a_follow_ended_by_an_error_event_raises_its_problem():
    stream = (b"data: step 1/1000 loss 2.300\n\nevent: error\ndata: {\"type\": \"https://switchyard.dev/problems/"
              b"logs-gone\", \"title\": \"Logs gone\", \"status\": 410, \"detail\": \"gone\"}\n\n")
    transport, _ = answering(httpx.Response(200, content=stream, headers={"content-type": "text/event-stream"}))
    lines = []
    with Client(api_key="k", transport=transport) as client, pytest.raises(ApiError) as caught:
        for line in client.logs(JOB["id"], follow=True):
            lines.append(line)
    assert lines == ["step 1/1000 loss 2.300"] and caught.value.status == 410 and caught.value.type.endswith("gone")


async def test_the_async_client_invokes_a_service_and_returns_its_answer_as_sent():
    from switchyard_client import AsyncClient

    seen = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, content=b"\x00raw", headers={"content-type": "application/octet-stream"})

    async with AsyncClient("http://api.test", "sk_test", transport=httpx.MockTransport(answer)) as client:
        got = await client.invoke("6f1c1f0e-2b8a-4a53-9d1e-1d2f3a4b5c6d", b"\x01\x02", content_type="image/png")
    assert (got.status, got.content_type, got.body) == (201, "application/octet-stream", b"\x00raw")
    assert seen[0].url.path.endswith("/invoke") and seen[0].content == b"\x01\x02"
    assert seen[0].headers["content-type"] == "image/png"


METRICS = {"series": [{"name": "npu_util", "unit": "%",
                       "points": [["2026-12-02T06:00:00Z", 12.5], ["2026-12-02T06:01:00Z", 86.1]]}]}


def test_metrics_are_typed_series_with_their_latest_point():
    transport, seen = answering(httpx.Response(200, json=METRICS))
    with Client(api_key="k", transport=transport) as client:
        found = client.metrics(JOB["id"])
    assert seen[0].url.path == f"/v1/jobs/{JOB['id']}/metrics"
    [series] = found.series
    assert (series.name, series.unit, len(series.points)) == ("npu_util", "%", 2)
    assert series.latest[1] == 86.1 and series.latest[0].minute == 1 and found.raw == METRICS


async def test_the_async_client_reads_metrics_alike():
    transport, _ = answering(httpx.Response(200, json={"series": []}))
    async with AsyncClient(api_key="k", transport=transport) as client:
        assert (await client.metrics(JOB["id"])).series == []
