"""The operator's caps per tenant through the whole stack: an override holds for that tenant from its next request on
(the gateway passes it to the notifier with each create it forwards, and reads the open-jobs one with the count),
another tenant keeps the default, and clearing the override brings the default back; the body and the tenant are
checked, and every change is in the audit log.

The stack's defaults are high (tests/e2e/stack.py), so what is refused here is refused by the override."""

import uuid

import httpx
import pytest

from tests.e2e.helpers import job_in
from tests.e2e.test_walking_skeleton import training

pytestmark = pytest.mark.e2e

DEFAULT = 100000  # every cap's default on the stack
HOOK = {"url": "http://127.0.0.1:9/hook", "event_types": ["job.failed"]}
NAMES = ("webhooks", "topics", "subscriptions_per_topic", "confirmation_emails_per_hour", "open_jobs")


@pytest.fixture
def other_tenant(stack, admin):
    """A second tenant (B) beside `tenant` (A), with an HTTP client on its key."""
    created = admin.post("/v1/admin/tenants", json={"name": f"team-{uuid.uuid4().hex[:6]}"})
    assert created.status_code == 201, created.text
    with httpx.Client(base_url=stack.gateway, headers={"Authorization": f"Bearer {created.json()['api_key']}"},
                      timeout=10) as client:
        yield client


def caps_of(admin, tenant_id: str) -> dict:
    answer = admin.get(f"/v1/admin/tenants/{tenant_id}/caps")
    assert answer.status_code == 200, answer.text
    return answer.json()


def set_caps(admin, tenant_id: str, **overrides) -> dict:
    answer = admin.put(f"/v1/admin/tenants/{tenant_id}/caps", json=overrides)
    assert answer.status_code == 200, answer.text
    return answer.json()


def assert_cap_reached(response: httpx.Response, status: int, cap: str, limit: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/cap-reached") and (body["cap"], body["limit"]) == (cap, limit), body
    return body


def test_a_lowered_webhooks_cap_holds_for_that_tenant_only_until_it_is_cleared(admin, tenant, other_tenant):
    a = tenant.tenant_id
    assert caps_of(admin, a) == {name: {"override": None, "default": DEFAULT, "limit": DEFAULT} for name in NAMES}

    lowered = set_caps(admin, a, webhooks=1)
    assert lowered["webhooks"] == {"override": 1, "default": DEFAULT, "limit": 1}
    assert all(lowered[name]["override"] is None for name in NAMES if name != "webhooks")
    assert caps_of(admin, a) == lowered
    assert admin.get(f"/v1/admin/tenants/{a}").json()["caps"] == lowered  # the tenant's summary shows them too

    assert tenant.post("/v1/webhooks", json=HOOK).status_code == 201
    refused = assert_cap_reached(tenant.post("/v1/webhooks", json=HOOK), 409, "max_webhooks_per_tenant", 1)
    assert refused["instance"] == "/v1/webhooks"
    assert [other_tenant.post("/v1/webhooks", json=HOOK).status_code for _ in range(2)] == [201, 201]

    cleared = set_caps(admin, a, webhooks=None)
    assert cleared["webhooks"] == {"override": None, "default": DEFAULT, "limit": DEFAULT}
    assert tenant.post("/v1/webhooks", json=HOOK).status_code == 201  # the default again, at once

    records = admin.get("/v1/admin/audit", params={"tenant_id": a, "action": "set_caps"}).json()["items"]
    assert [(r["actor"], r["status"], r["details"]["body"]) for r in reversed(records)] == [
        ("operator", 200, {"webhooks": 1}), ("operator", 200, {"webhooks": None})]


def test_topics_subscriptions_and_confirmation_mails_follow_the_tenants_overrides(admin, tenant):
    set_caps(admin, tenant.tenant_id, topics=2, subscriptions_per_topic=1, confirmation_emails_per_hour=1)
    first, second = (tenant.post("/v1/topics", json={"name": name}) for name in ("one", "two"))
    assert (first.status_code, second.status_code) == (201, 201)
    assert_cap_reached(tenant.post("/v1/topics", json={"name": "three"}), 409, "max_topics_per_tenant", 2)

    one, two = first.json()["id"], second.json()["id"]
    assert tenant.post(f"/v1/topics/{one}/subscriptions",
                       json={"protocol": "http", "endpoint": "http://127.0.0.1:9/s0"}).status_code == 201
    assert_cap_reached(tenant.post(f"/v1/topics/{one}/subscriptions",
                                   json={"protocol": "http", "endpoint": "http://127.0.0.1:9/s1"}),
                       409, "max_subscriptions_per_topic", 1)
    assert tenant.post(f"/v1/topics/{two}/subscriptions",
                       json={"protocol": "email", "endpoint": "ops@example.com"}).status_code == 201
    set_caps(admin, tenant.tenant_id, topics=2, subscriptions_per_topic=5, confirmation_emails_per_hour=1)
    mailed = tenant.post(f"/v1/topics/{two}/subscriptions", json={"protocol": "email", "endpoint": "ops2@example.com"})
    assert_cap_reached(mailed, 429, "max_confirmation_emails_per_hour", 1)
    assert int(mailed.headers["Retry-After"]) > 3000


def test_a_lowered_open_jobs_cap_refuses_the_next_job_until_it_is_cleared(admin, tenant):
    # No job may start (limit 0): each waits QUEUED, open, until it is cancelled.
    assert admin.put(f"/v1/admin/tenants/{tenant.tenant_id}/limits", json={"max_concurrent_jobs": 0}).status_code == 200
    assert set_caps(admin, tenant.tenant_id, open_jobs=1)["open_jobs"]["limit"] == 1
    job = training("capped", SWITCHYARD_SIM_RUN_SECONDS="600")
    first = tenant.post("/v1/jobs", json=job)
    assert first.status_code == 202, first.text
    ids = [first.json()["id"]]
    try:
        assert_cap_reached(tenant.post("/v1/jobs", json=job), 409, "max_open_jobs_per_tenant", 1)
        set_caps(admin, tenant.tenant_id)  # every override cleared: the defaults
        again = tenant.post("/v1/jobs", json=job)
        assert again.status_code == 202, again.text
        ids.append(again.json()["id"])
    finally:
        for job_id in ids:
            tenant.post(f"/v1/jobs/{job_id}/cancel")
    for job_id in ids:
        job_in(tenant, job_id, "STOPPED")


def assert_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


@pytest.mark.parametrize("body, field", [({"webhooks": 1, "gpus": 2}, "gpus"), ({"webhooks": 0}, "webhooks"),
                                         ({"open_jobs": 2**31}, "open_jobs")])
def test_a_wrong_caps_body_is_a_422_problem_and_changes_nothing(admin, tenant, body, field):
    problem = assert_problem(admin.put(f"/v1/admin/tenants/{tenant.tenant_id}/caps", json=body), 422)
    assert [e["location"] for e in problem["errors"]] == [f"body.{field}"]
    assert caps_of(admin, tenant.tenant_id)["webhooks"]["override"] is None


def test_the_caps_of_an_unknown_tenant_are_a_404_problem(admin, tenant):
    unknown = uuid.uuid4()
    assert assert_problem(admin.get(f"/v1/admin/tenants/{unknown}/caps"), 404)["type"].endswith("/not-found")
    assert assert_problem(admin.put(f"/v1/admin/tenants/{unknown}/caps", json={"webhooks": 1}), 404)
    assert tenant.get(f"/v1/admin/tenants/{tenant.tenant_id}/caps").status_code == 401  # a tenant's key is no admin
