"""Funds enforcement through the whole stack: a job the tenant cannot pay for waits with reason
`funds` until a top-up; a running job whose funds run out is stopped after its grace period."""

import uuid

import pytest

from tests.e2e.helpers import job_in, wait_for
from tests.e2e.test_walking_skeleton import training

pytestmark = pytest.mark.e2e


@pytest.fixture
def poor_tenant(stack, admin):
    import httpx

    created = admin.post("/v1/admin/tenants", json={"name": f"poor-{uuid.uuid4().hex[:6]}"}).json()
    with httpx.Client(base_url=stack.gateway, headers={"Authorization": f"Bearer {created['api_key']}"},
                      timeout=10) as client:
        client.tenant_id = created["id"]
        yield client


def test_a_job_waits_for_funds_and_starts_after_a_top_up(poor_tenant, admin):
    job_id = poor_tenant.post("/v1/jobs", json=training("broke", SWITCHYARD_SIM_RUN_SECONDS="1")).json()["id"]
    waiting = wait_for(lambda: (j := poor_tenant.get(f"/v1/jobs/{job_id}").json())["queue"] and j, what="funds")
    assert waiting["queue"]["reason"] == "funds" and waiting["vendor"] is None

    key = str(uuid.uuid4())
    for _ in range(2):  # a retried top-up with the same Idempotency-Key credits once
        topped = admin.post(f"/v1/admin/tenants/{poor_tenant.tenant_id}/credit", json={"amount": "50.00"},
                            headers={"Idempotency-Key": key})
        assert topped.status_code == 200, topped.text
    assert poor_tenant.get("/v1/balance").json()["balance"] == "50.00"
    assert job_in(poor_tenant, job_id, "SUCCEEDED", "FAILED", timeout_s=60)["status"] == "SUCCEEDED"


def test_a_running_job_is_stopped_when_its_funds_run_out(poor_tenant, admin):
    # 0.40 pays the first minute (0.36) of a 910B card; the second minute cannot be paid.
    admin.post(f"/v1/admin/tenants/{poor_tenant.tenant_id}/credit", json={"amount": "0.40"})
    job_id = poor_tenant.post("/v1/jobs", json=training("frugal", SWITCHYARD_SIM_RUN_SECONDS="600")).json()["id"]
    job_in(poor_tenant, job_id, "RUNNING", timeout_s=60)
    job = job_in(poor_tenant, job_id, "STOPPED", "SUCCEEDED", "FAILED", timeout_s=150)
    assert job["status"] == "STOPPED" and job["status_reason"] == "funds_exhausted"
    events = poor_tenant.get(f"/v1/jobs/{job_id}/events").json()["items"]
    assert [e["reason"] for e in events if e["type"] == "stop"] == ["funds_exhausted"]
