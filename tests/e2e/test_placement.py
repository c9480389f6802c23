"""Switchyard's own queue and failover, through the whole stack: tenant limits, sold-out flavors,
every attempt recorded on the job, and jobs that start when capacity returns."""

from datetime import datetime, timedelta

import pytest

from tests.e2e.helpers import job_in, wait_for
from tests.e2e.test_walking_skeleton import training

pytestmark = pytest.mark.e2e

ONE_CARD, TWO_CARDS, EIGHT_CARDS = "modelarts.vm.snt9.1card", "modelarts.bm.snt9.xlarge.2", "modelarts.vm.snt9.8card"


def state_changes(client, job_id):
    return [e for e in client.get(f"/v1/jobs/{job_id}/events").json()["items"] if e["type"] == "state"]


def attempts(client, job_id):
    return [e["detail"] for e in client.get(f"/v1/jobs/{job_id}/events").json()["items"] if e["type"] == "attempt"]


def test_a_job_over_its_tenants_limit_waits_with_reason_quota(tenant, admin):
    limits = admin.put(f"/v1/admin/tenants/{tenant.tenant_id}/limits", json={"max_concurrent_jobs": 1})
    assert limits.status_code == 200, limits.text
    assert admin.get(f"/v1/admin/tenants/{tenant.tenant_id}/limits").json()["max_concurrent_jobs"] == 1

    first = tenant.post("/v1/jobs", json=training("first", SWITCHYARD_SIM_RUN_SECONDS="3")).json()["id"]
    job_in(tenant, first, "RUNNING")
    second = tenant.post("/v1/jobs", json=training("second", SWITCHYARD_SIM_RUN_SECONDS="1")).json()["id"]

    waiting = wait_for(lambda: (j := tenant.get(f"/v1/jobs/{second}").json())["queue"] and j, what="queued on quota")
    assert waiting["status"] == "QUEUED" and waiting["vendor"] is None
    assert waiting["queue"]["reason"] == "quota" and waiting["queue"]["position"] >= 1

    assert job_in(tenant, second, "SUCCEEDED", "FAILED", timeout_s=90)["status"] == "SUCCEEDED"
    assert tenant.get(f"/v1/jobs/{second}").json()["queue"] is None
    first_done = tenant.get(f"/v1/jobs/{first}").json()
    second_done = tenant.get(f"/v1/jobs/{second}").json()
    assert second_done["started_at"] >= first_done["finished_at"]  # never two at once
    changes = [(e["from_status"], e["to_status"], e["reason"]) for e in state_changes(tenant, second)]
    assert changes[1] == ("PENDING", "QUEUED", "quota")
    assert [to for _, to, _ in changes if to != "QUEUED"][-2:] == ["RUNNING", "SUCCEEDED"]


def test_a_sold_out_flavor_fails_over_and_every_attempt_is_recorded(tenant, modelarts_faults):
    modelarts_faults(sold_out=[ONE_CARD])
    job_id = tenant.post("/v1/jobs", json=training("failover", SWITCHYARD_SIM_RUN_SECONDS="1")).json()["id"]
    job = job_in(tenant, job_id, "SUCCEEDED", "FAILED")
    assert job["status"] == "SUCCEEDED" and job["flavor"] == TWO_CARDS
    tried = attempts(tenant, job_id)
    assert [(a["flavor"], a["outcome"]) for a in tried] == [(ONE_CARD, "capacity"), (TWO_CARDS, "submitted")]
    assert [a["attempt"] for a in tried] == [1, 2]


def test_with_nothing_free_a_job_queues_and_starts_when_capacity_returns(tenant, modelarts_faults):
    modelarts_faults(sold_out=[ONE_CARD, TWO_CARDS, EIGHT_CARDS])
    job_id = tenant.post("/v1/jobs", json=training("patient", SWITCHYARD_SIM_RUN_SECONDS="1")).json()["id"]
    waiting = wait_for(lambda: (j := tenant.get(f"/v1/jobs/{job_id}").json())["queue"] and j, what="no_capacity")
    assert waiting["queue"]["reason"] == "no_capacity"
    modelarts_faults()  # capacity is back
    assert job_in(tenant, job_id, "SUCCEEDED", "FAILED", timeout_s=60)["status"] == "SUCCEEDED"
    outcomes = [a["outcome"] for a in attempts(tenant, job_id)]
    assert outcomes[:3] == ["capacity"] * 3 and outcomes[-1] == "submitted"


def test_placement_constraints_are_honoured(tenant):
    too_cheap = training("thrifty") | {"placement": {"max_price_per_hour": "1.00"}}
    job_id = tenant.post("/v1/jobs", json=too_cheap).json()["id"]
    assert job_in(tenant, job_id, "FAILED")["status_reason"].startswith("no_flavor")

    elsewhere = training("elsewhere") | {"placement": {"exclude_vendors": ["modelarts"]}}
    job_id = tenant.post("/v1/jobs", json=elsewhere).json()["id"]
    assert job_in(tenant, job_id, "FAILED")["status_reason"].startswith("no_flavor")

    bad = tenant.post("/v1/jobs", json=training("bad") | {"priority": "urgent"})
    assert bad.status_code == 422


def test_a_high_priority_job_overtakes_a_normal_one_in_the_queue(tenant, admin):
    admin.put(f"/v1/admin/tenants/{tenant.tenant_id}/limits", json={"max_concurrent_jobs": 1})
    blocker = tenant.post("/v1/jobs", json=training("blocker", SWITCHYARD_SIM_RUN_SECONDS="4")).json()["id"]
    job_in(tenant, blocker, "RUNNING")
    normal = tenant.post("/v1/jobs", json=training("normal", SWITCHYARD_SIM_RUN_SECONDS="1")).json()["id"]
    urgent = tenant.post("/v1/jobs", json=training("urgent", SWITCHYARD_SIM_RUN_SECONDS="1") | {"priority": "high"})
    urgent = urgent.json()["id"]

    def positions():
        jobs = [tenant.get(f"/v1/jobs/{j}").json() for j in (urgent, normal)]
        return [j["queue"]["position"] for j in jobs] if all(j["queue"] for j in jobs) else None
    urgent_position, normal_position = wait_for(positions, what="both queued")
    assert urgent_position < normal_position
    assert tenant.get(f"/v1/jobs/{urgent}").json()["priority"] == "high"

    done = {j: job_in(tenant, j, "SUCCEEDED", timeout_s=90) for j in (urgent, normal)}
    assert done[urgent]["started_at"] < done[normal]["started_at"]


def test_a_queued_job_shows_when_it_is_estimated_to_start(tenant, admin):
    admin.put(f"/v1/admin/tenants/{tenant.tenant_id}/limits", json={"max_concurrent_jobs": 1})
    blocker = tenant.post("/v1/jobs", json=training("blocker", SWITCHYARD_SIM_RUN_SECONDS="600")
                          | {"max_runtime_s": 600}).json()["id"]
    started = datetime.fromisoformat(job_in(tenant, blocker, "RUNNING")["started_at"])
    bounded = tenant.post("/v1/jobs", json=training("bounded") | {"max_runtime_s": 300}).json()["id"]
    unbounded = tenant.post("/v1/jobs", json=training("unbounded")).json()["id"]

    def estimates():
        jobs = [tenant.get(f"/v1/jobs/{j}").json() for j in (bounded, unbounded)]
        return [j["queue"] for j in jobs] if all(j["queue"] for j in jobs) else None
    first, second = wait_for(estimates, what="both queued on quota")
    assert first["reason"] == second["reason"] == "quota" and first["position"] < second["position"]
    # The blocker ends at the latest after its 600 s; the bounded job then runs at most 300 s before the next.
    assert datetime.fromisoformat(first["estimated_start_at"]) == started + timedelta(seconds=600)
    assert datetime.fromisoformat(second["estimated_start_at"]) == started + timedelta(seconds=900)
    listed = {j["id"]: j["queue"] for j in tenant.get("/v1/jobs").json()["items"]}
    assert listed[bounded]["estimated_start_at"] == first["estimated_start_at"]

    for job_id in (unbounded, bounded, blocker):
        assert tenant.post(f"/v1/jobs/{job_id}/cancel").status_code == 202
    for job_id in (unbounded, bounded, blocker):
        job_in(tenant, job_id, "STOPPED")
