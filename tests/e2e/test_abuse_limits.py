"""Abuse limits through the whole stack: the request rate per API key (429 with Retry-After and the RateLimit header
fields), the failed-authentication limit per client address, the caps per tenant, and paging on every listing.

The limits and the caps' defaults are held by a gateway of this module's own, started with low values beside the
stack's (which runs with high ones, since the rest of the suite hammers the API); it shares its database, broker
and notifier, which holds no cap of its own: it counts against the limits this gateway passes with each create.
The rate is one token per 100 s after the burst, so no refill can happen within a test however slow the machine.
The operator's caps per tenant are tested on the stack itself (tests/e2e/test_tenant_caps.py)."""

import tempfile
import uuid
from pathlib import Path

import httpx
import pytest

from tests.e2e.helpers import job_in
from tests.e2e.stack import Stack, free_port
from tests.e2e.test_walking_skeleton import training

pytestmark = pytest.mark.e2e

BURST = 30
AUTH_FAILURES = 5
CAPS = {"OPEN_JOBS_PER_TENANT": 3, "WEBHOOKS_PER_TENANT": 2, "TOPICS_PER_TENANT": 2, "SUBSCRIPTIONS_PER_TOPIC": 3,
        "CONFIRMATION_EMAILS_PER_HOUR": 2}


@pytest.fixture(scope="module")
def limited(stack):
    """The base URL of a gateway with low limits and default caps, before the stack's notifier."""
    ports = {"gateway": free_port()}
    env = stack.env | {
        "SWITCHYARD_GATEWAY_PORT": str(ports["gateway"]),
        "SWITCHYARD_RATE_LIMIT_PER_S": "0.01", "SWITCHYARD_RATE_LIMIT_BURST": str(BURST),
        "SWITCHYARD_AUTH_FAILURE_LIMIT": str(AUTH_FAILURES), "SWITCHYARD_AUTH_FAILURE_WINDOW_S": "600",
        **{f"SWITCHYARD_MAX_{cap}": str(value) for cap, value in CAPS.items()},
    }
    gateway = Stack(env=env, log_dir=Path(tempfile.mkdtemp(prefix="switchyard-e2e-limited-")), ports=ports)
    try:
        gateway.start("gateway")
        gateway.wait_healthy("gateway", "/readyz")
        yield gateway.gateway
    finally:
        gateway.stop_all()


@pytest.fixture
def limited_tenant(limited, tenant):
    """The `tenant`'s API key on the limited gateway (its bucket is new: each test has a tenant of its own)."""
    with httpx.Client(base_url=limited, headers={"Authorization": tenant.headers["Authorization"]},
                      timeout=10) as client:
        yield client


def assert_problem(response: httpx.Response, status: int, type_: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith(f"/{type_}") and body["status"] == status
    return body


# -- the request rate --------------------------------------------------------------------------------------------

def test_past_the_burst_a_key_gets_a_429_with_retry_after_and_the_ratelimit_fields(limited, limited_tenant, admin):
    served = [limited_tenant.get("/v1/jobs") for _ in range(BURST)]
    assert {r.status_code for r in served} == {200}
    assert [r.headers["RateLimit"].split(";")[1] for r in served[:2]] == ["r=29", "r=28"]
    assert served[-1].headers["RateLimit"].startswith('"tenant";r=0;t=')
    assert served[0].headers["RateLimit-Policy"] == f'"tenant";q={BURST};w=3000'

    refused = limited_tenant.get("/v1/jobs")
    body = assert_problem(refused, 429, "rate-limited")
    retry_after = int(refused.headers["Retry-After"])
    assert 0 < retry_after <= 100 and body["retry_after_s"] == retry_after
    assert refused.headers["RateLimit"] == f'"tenant";r=0;t={retry_after}'
    assert refused.headers["RateLimit-Policy"] == f'"tenant";q={BURST};w=3000'

    with httpx.Client(base_url=limited, headers={"Authorization": "Bearer e2e-admin-token"}) as operator:
        assert operator.get("/v1/admin/dead-letters").status_code == 200  # the admin token has no bucket
    other = admin.post("/v1/admin/tenants", json={"name": f"team-{uuid.uuid4().hex[:6]}"}).json()
    with httpx.Client(base_url=limited, headers={"Authorization": f"Bearer {other['api_key']}"}) as other_key:
        assert other_key.get("/v1/jobs").status_code == 200  # another key, another bucket


# -- failed authentication ---------------------------------------------------------------------------------------

def test_after_too_many_failed_authentications_an_address_is_refused_without_its_key_being_checked(
        limited, limited_tenant):
    # uvicorn takes X-Forwarded-For from loopback (FORWARDED_ALLOW_IPS), so each test can be an address of its own.
    address = {"X-Forwarded-For": f"198.51.100.{uuid.uuid4().int % 250 + 1}"}
    elsewhere = {"X-Forwarded-For": "203.0.113.77"}
    assert limited_tenant.get("/v1/jobs", headers=address).status_code == 200  # this key is seen working
    with httpx.Client(base_url=limited, timeout=10) as anonymous:
        failures = [anonymous.get("/v1/jobs", headers=address | {"Authorization": f"Bearer sy_live_guess{i}"})
                    for i in range(AUTH_FAILURES)]
        assert {r.status_code for r in failures} == {401}
        blocked = anonymous.get("/v1/jobs", headers=address | {"Authorization": "Bearer sy_live_one-more-guess"})
        body = assert_problem(blocked, 429, "too-many-auth-failures")
        assert 0 < int(blocked.headers["Retry-After"]) <= 120 and body["retry_after_s"] > 0
        assert_problem(anonymous.get("/v1/jobs", headers=address), 429, "too-many-auth-failures")
        other_address = anonymous.get("/v1/jobs", headers=elsewhere | {"Authorization": "Bearer sy_live_guess"})
        assert_problem(other_address, 401, "unauthorized")
    assert limited_tenant.get("/v1/jobs", headers=address).status_code == 200  # the working key goes on


# -- caps --------------------------------------------------------------------------------------------------------

def cap_body(response: httpx.Response, status: int, cap: str) -> dict:
    body = assert_problem(response, status, "cap-reached")
    assert body["cap"] == f"max_{cap.lower()}" and body["limit"] == CAPS[cap]
    return body


def test_webhooks_topics_and_subscriptions_are_capped_per_tenant(limited_tenant):
    hook = {"url": "http://127.0.0.1:9/hook", "event_types": ["job.failed"]}
    assert [limited_tenant.post("/v1/webhooks", json=hook).status_code for _ in range(2)] == [201, 201]
    body = cap_body(limited_tenant.post("/v1/webhooks", json=hook), 409, "WEBHOOKS_PER_TENANT")
    assert body["instance"] == "/v1/webhooks"  # relayed under the public path

    topics = [limited_tenant.post("/v1/topics", json={"name": f"t{i}"}) for i in range(2)]
    assert [t.status_code for t in topics] == [201, 201]
    cap_body(limited_tenant.post("/v1/topics", json={"name": "t2"}), 409, "TOPICS_PER_TENANT")

    first, second = (t.json()["id"] for t in topics)
    subscribed = [limited_tenant.post(f"/v1/topics/{first}/subscriptions",
                                      json={"protocol": "http", "endpoint": f"http://127.0.0.1:9/s{i}"})
                  for i in range(3)]
    assert [s.status_code for s in subscribed] == [201] * 3
    cap_body(limited_tenant.post(f"/v1/topics/{first}/subscriptions",
                                 json={"protocol": "http", "endpoint": "http://127.0.0.1:9/s3"}),
             409, "SUBSCRIPTIONS_PER_TOPIC")

    mailed = [limited_tenant.post(f"/v1/topics/{second}/subscriptions",
                                  json={"protocol": "email", "endpoint": f"ops{i}@example.com"}) for i in range(2)]
    assert [m.status_code for m in mailed] == [201, 201]
    refused = limited_tenant.post(f"/v1/topics/{second}/subscriptions",
                                  json={"protocol": "email", "endpoint": "ops2@example.com"})
    cap_body(refused, 429, "CONFIRMATION_EMAILS_PER_HOUR")
    assert 3000 < int(refused.headers["Retry-After"]) <= 3600


def test_open_jobs_are_capped_per_tenant_and_a_finished_one_frees_a_place(tenant, limited_tenant, admin):
    # No job may start (limit 0): each waits QUEUED, open, until it is cancelled.
    limits = admin.put(f"/v1/admin/tenants/{tenant.tenant_id}/limits", json={"max_concurrent_jobs": 0})
    assert limits.status_code == 200, limits.text
    job = training("capped", SWITCHYARD_SIM_RUN_SECONDS="600")
    submitted = [limited_tenant.post("/v1/jobs", json=job) for _ in range(3)]
    assert [s.status_code for s in submitted] == [202] * 3
    cap_body(limited_tenant.post("/v1/jobs", json=job), 409, "OPEN_JOBS_PER_TENANT")

    ids = [s.json()["id"] for s in submitted]
    try:
        assert tenant.post(f"/v1/jobs/{ids[0]}/cancel").status_code == 202
        job_in(tenant, ids[0], "STOPPED")
        again = limited_tenant.post("/v1/jobs", json=job)
        assert again.status_code == 202, again.text
        ids.append(again.json()["id"])
    finally:
        for job_id in ids[1:]:
            tenant.post(f"/v1/jobs/{job_id}/cancel")


# -- paging ------------------------------------------------------------------------------------------------------

def pages(client: httpx.Client, path: str, limit: int) -> list[list[str]]:
    out, cursor = [], None
    while True:
        answer = client.get(path, params={"limit": limit, **({"cursor": cursor} if cursor else {})})
        assert answer.status_code == 200, answer.text
        out.append([item.get("id") or item["name"] for item in answer.json()["items"]])
        if not (cursor := answer.json()["next_cursor"]):
            return out


def test_every_listing_pages_to_its_end_once_per_item(tenant):
    hooks = [tenant.post("/v1/webhooks", json={"url": f"http://127.0.0.1:9/h{i}", "event_types": ["job.failed"]})
             .json()["id"] for i in range(7)]
    topics = [tenant.post("/v1/topics", json={"name": f"paged{i}"}).json()["id"] for i in range(5)]
    subs = [tenant.post(f"/v1/topics/{topics[0]}/subscriptions",
                        json={"protocol": "http", "endpoint": f"http://127.0.0.1:9/s{i}"}).json()["id"]
            for i in range(3)]

    assert pages(tenant, "/v1/webhooks", 3) == [hooks[0:3], hooks[3:6], hooks[6:]]
    assert pages(tenant, "/v1/topics", 2) == [topics[0:2], topics[2:4], topics[4:]]
    assert pages(tenant, f"/v1/topics/{topics[0]}/subscriptions", 2) == [subs[0:2], subs[2:]]
    every_type = [item["name"] for item in tenant.get("/v1/event-types").json()["items"]]
    paged_types = pages(tenant, "/v1/event-types", 4)
    assert sum(paged_types, []) == every_type and all(len(p) == 4 for p in paged_types[:-1])
    assert pages(tenant, "/v1/packages", 2) == [[]] and pages(tenant, f"/v1/webhooks/{hooks[0]}/deliveries", 2) == [[]]


def test_a_forged_listing_cursor_is_a_400_problem(tenant):
    for path in ("/v1/webhooks", "/v1/topics", "/v1/event-types", "/v1/packages", "/v1/package-offers"):
        body = assert_problem(tenant.get(path, params={"cursor": "Zm9yZ2Vk"}), 400, "invalid-cursor")
        assert body["instance"] == path
