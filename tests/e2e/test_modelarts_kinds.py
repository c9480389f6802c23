"""ModelArts notebooks and inference services through the whole stack: placed, watched, charged per minute,
cancelled, announced; and a notebook its lease stops. V100 notebooks and P4 inference instances are
offered by ModelArts alone, so the jobs land there."""

import time

import pytest

from tests.e2e.helpers import (
    amount,
    expected_minutes,
    job_in,
    per_minute_price,
    vendor_price,
    verified_webhooks,
    wait_for,
)

pytestmark = pytest.mark.e2e

NOTEBOOK = {"kind": "notebook", "image": "swr.cn-north-4.myhuaweicloud.com/team/lab:1.0",
            "resources": {"accelerator": "nvidia-v100", "count": 1}, "storage_gb": 20}
SERVICE = {"kind": "inference", "image": "swr.cn-north-4.myhuaweicloud.com/team/serve:1.0",
           "model": "0e07b41b-173e-42db-8c16-8e1b44cc0d44", "replicas": 1,
           "resources": {"accelerator": "nvidia-p4", "count": 1}}


def transitions(tenant, job_id: str) -> list[tuple[str, str, str | None]]:
    events = tenant.get(f"/v1/jobs/{job_id}/events").json()["items"]
    return [(e["to_status"], e["raw_status"], e["reason"]) for e in events if e["from_status"] != e["to_status"]]


def assert_charged_by_the_minute(tenant, job: dict) -> None:
    price = per_minute_price(vendor_price(job["flavor"]))
    minutes = expected_minutes(job)
    usage = wait_for(
        lambda: ((u := tenant.get("/v1/usage", params={"job_id": job["id"]}).json())["items"]
                 and sum(amount(i["amount"]) for i in u["items"]) == minutes * price and u),
        what="charges equal to minutes x price",
    )
    assert [i["minute"] for i in usage["items"] if i["kind"] == "charge"] == list(range(minutes))
    assert wait_for(lambda: amount(tenant.get(f"/v1/jobs/{job['id']}").json()["cost"]["amount"]) == minutes * price,
                    what="job cost")


def run_then_cancel(tenant, spec: dict) -> dict:
    submitted = tenant.post("/v1/jobs", json=spec)
    assert submitted.status_code == 202, submitted.text
    job_id = submitted.json()["id"]
    job_in(tenant, job_id, "RUNNING", timeout_s=30)
    time.sleep(1.5)  # let it run a little; one minute is charged
    assert tenant.post(f"/v1/jobs/{job_id}/cancel").status_code == 202
    job = job_in(tenant, job_id, "STOPPED", "FAILED", "SUCCEEDED", timeout_s=30)
    assert job["status"] == "STOPPED"
    assert job["vendor"] == "modelarts" and job["vendor_job_id"]
    return job


def test_a_notebook_runs_on_modelarts_until_cancelled(tenant, receiver):
    hook = tenant.post("/v1/webhooks", json={"url": receiver.url, "event_types": ["job.running", "job.stopped"]})
    assert hook.status_code == 201, hook.text
    job = run_then_cancel(tenant, NOTEBOOK | {"name": "lab"})
    assert job["flavor"] == "modelarts.vm.gpu.vnt1"
    moves = transitions(tenant, job["id"])
    assert [status for status, _, _ in moves] == ["PENDING", "QUEUED", "RUNNING", "STOPPED"]
    assert [raw for _, raw, _ in moves[2:]] == ["RUNNING", "STOPPED"]
    assert moves[-1][2] is None  # stopped by us, not by its lease
    assert_charged_by_the_minute(tenant, job)

    secret = hook.json()["secret"]
    def types() -> list[str]:
        return [p["type"] for _, p in verified_webhooks(receiver, secret) if p["data"]["job_id"] == job["id"]]
    assert wait_for(lambda: types() if len(types()) >= 2 else None, what="running and stopped webhooks") == [
        "job.running", "job.stopped"]


def test_an_inference_service_runs_on_modelarts_until_cancelled(tenant):
    job = run_then_cancel(tenant, SERVICE | {"name": "serve"})
    assert job["flavor"] == "modelarts.vm.gpu.pnt004"
    moves = transitions(tenant, job["id"])
    assert [status for status, _, _ in moves] == ["PENDING", "QUEUED", "RUNNING", "STOPPED"]
    assert [raw for _, raw, _ in moves[2:]] == ["running", "stopped"]
    assert_charged_by_the_minute(tenant, job)


def test_a_notebook_stops_when_its_lease_runs_out(tenant):
    # A 2-minute lease; the simulator's FAST_ARGS run leases 20 times faster, so it ends after 6 s.
    submitted = tenant.post("/v1/jobs", json=NOTEBOOK | {"name": "short-lab", "max_runtime_s": 120})
    assert submitted.status_code == 202, submitted.text
    job = job_in(tenant, submitted.json()["id"], "STOPPED", "FAILED", "SUCCEEDED", timeout_s=30)
    assert job["status"] == "STOPPED" and job["vendor"] == "modelarts"
    assert "lease ran out" in job["status_reason"]
    assert [status for status, _, _ in transitions(tenant, job["id"])][-2:] == ["RUNNING", "STOPPED"]
    assert_charged_by_the_minute(tenant, job)
