"""A job its vendor lost is placed again (up to SWITCHYARD_RESUBMIT_LIMIT times) and billed for every run; a
job that failed by its own fault is not placed again."""

import asyncio

import pytest

from services.vendors.modelarts import Adapter, ModelArtsSettings
from tests.e2e.helpers import amount, job_in, per_minute_price, vendor_price, wait_for
from tests.e2e.test_walking_skeleton import training

pytestmark = pytest.mark.e2e


def events(client, job_id, kind):
    return [e for e in client.get(f"/v1/jobs/{job_id}/events").json()["items"] if e["type"] == kind]


def test_a_job_its_vendor_lost_is_placed_again_and_billed_for_both_runs(stack, tenant):
    job_id = tenant.post("/v1/jobs", json=training("fragile", SWITCHYARD_SIM_RUN_SECONDS="8")).json()["id"]
    first = job_in(tenant, job_id, "RUNNING")
    assert first["vendor"] == "modelarts"
    # The vendor loses the job: it is gone from ModelArts while it runs.
    modelarts = Adapter(ModelArtsSettings(endpoint=f"http://127.0.0.1:{stack.ports['modelarts']}"))
    asyncio.run(modelarts.delete(first["vendor_job_id"]))

    lost = wait_for(lambda: events(tenant, job_id, "lost"), what="the loss on the job's events")
    assert [e["detail"] for e in lost] == [
        {"vendor": "modelarts", "vendor_job_id": first["vendor_job_id"], "cause": "lost"}]
    done = job_in(tenant, job_id, "SUCCEEDED", "FAILED", timeout_s=90)
    assert done["status"] == "SUCCEEDED"
    assert done["vendor_job_id"] != first["vendor_job_id"]  # a second vendor job, under a new name
    changes = [(e["from_status"], e["to_status"], e["reason"]) for e in events(tenant, job_id, "state")]
    assert ("RUNNING", "QUEUED", "resubmitting") in changes
    assert [to for _, to, _ in changes].count("RUNNING") == 2
    submitted = [a["detail"] for a in events(tenant, job_id, "attempt") if a["detail"]["outcome"] == "submitted"]
    assert len(submitted) == 2

    # Every run is billed for the minutes it started: one minute each here, at the flavor's price.
    per_minute = per_minute_price(vendor_price(done["flavor"]))
    wait_for(lambda: amount(tenant.get(f"/v1/jobs/{job_id}").json()["cost"]["amount"]) == 2 * per_minute,
             what="two minutes charged")
    balance = tenant.get("/v1/balance").json()
    assert amount(balance["balance"]) == amount("100.00") - 2 * per_minute


def test_a_job_that_failed_by_its_own_fault_is_not_placed_again(tenant):
    job_id = tenant.post("/v1/jobs", json=training("buggy", SWITCHYARD_SIM_RUN_SECONDS="1",
                                                   SWITCHYARD_SIM_OUTCOME="failed")).json()["id"]
    assert job_in(tenant, job_id, "SUCCEEDED", "FAILED")["status"] == "FAILED"
    assert events(tenant, job_id, "lost") == []
    assert len([a for a in events(tenant, job_id, "attempt") if a["detail"]["outcome"] == "submitted"]) == 1
