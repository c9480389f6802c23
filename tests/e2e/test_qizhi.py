"""Training jobs through Switchyard on Qizhi: placed there (only the Qizhi simulator offers NVIDIA H100),
charged per minute at the spec's price × markup, and cancellable."""

import pytest

from contracts.money import parse_amount
from services.vendorsim.qizhi.catalog import SPECS
from tests.e2e.helpers import amount, expected_minutes, job_in, per_minute_price, wait_for

pytestmark = pytest.mark.e2e


def training(name: str, **env: str) -> dict:
    return {"kind": "training", "name": name, "image": "docker.sii.shaipower.online/inspire-studio/ngc-cuda12.8-base:1.0",
            "command": "torchrun --nproc_per_node 1 train.py", "resources": {"accelerator": "nvidia-h100", "count": 1},
            "env": env}


def spec_price(spec_id: str) -> int:
    """The simulator's list price per instance-hour of a spec, in micro-units."""
    [spec] = [spec for spec in SPECS if spec.spec_id == spec_id]
    return parse_amount(str(spec.price_per_hour))


def charges_settle(tenant, job_id: str, expected: int) -> dict:
    return wait_for(lambda: (u := tenant.get("/v1/usage", params={"job_id": job_id}).json())["items"]
                    and sum(amount(i["amount"]) for i in u["items"]) == expected and u,
                    what="charges equal to minutes x price")


def test_job_runs_on_qizhi_to_success_and_is_charged(tenant):
    submitted = tenant.post("/v1/jobs", json=training("llama-sft", SWITCHYARD_SIM_RUN_SECONDS="2"))
    assert submitted.status_code == 202, submitted.text
    job_id = submitted.json()["id"]

    job = job_in(tenant, job_id, "SUCCEEDED", "FAILED", "STOPPED")
    assert job["status"] == "SUCCEEDED"
    assert job["vendor"] == "qizhi" and job["vendor_job_id"].startswith("job-")
    assert spec_price(job["flavor"]) == 14_600_000  # the cheapest spec with an H100: 1 card

    events = tenant.get(f"/v1/jobs/{job_id}/events").json()["items"]
    transitions = [(e["to_status"], e["raw_status"]) for e in events if e["from_status"] != e["to_status"]]
    assert [status for status, _ in transitions] == ["PENDING", "QUEUED", "RUNNING", "SUCCEEDED"]
    assert transitions[2][1] == "job_running" and transitions[3][1] == "job_succeeded"

    price = per_minute_price(spec_price(job["flavor"]))  # 14.60 × 1.20 / 60 = 0.292 per minute
    minutes = expected_minutes(job)
    usage = charges_settle(tenant, job_id, minutes * price)
    assert [i["minute"] for i in usage["items"] if i["kind"] == "charge"] == list(range(minutes))
    assert amount(tenant.get("/v1/balance").json()["balance"]) == amount("100.00") - minutes * price


def test_cancel_stops_a_job_on_qizhi(tenant):
    job_id = tenant.post("/v1/jobs", json=training("long-pretrain", SWITCHYARD_SIM_RUN_SECONDS="600")).json()["id"]
    running = job_in(tenant, job_id, "RUNNING")
    assert running["vendor"] == "qizhi"

    assert tenant.post(f"/v1/jobs/{job_id}/cancel").status_code == 202
    job = job_in(tenant, job_id, "STOPPED", "SUCCEEDED", "FAILED")
    assert job["status"] == "STOPPED"
    events = tenant.get(f"/v1/jobs/{job_id}/events").json()["items"]
    assert events[-1]["raw_status"] == "job_stopped"
    charges_settle(tenant, job_id, expected_minutes(job) * per_minute_price(spec_price(job["flavor"])))
