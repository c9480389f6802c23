"""Training jobs on Cambricon CAIP through Switchyard: placed on an MLU370 (only CAIP offers one),
run to success and charged per minute at CAIP's price x markup, or cancelled."""

import math
from datetime import datetime

import pytest

from services.vendors.caip import CaipSettings
from services.vendors.caip.catalog import price_per_hour
from services.vendorsim.caip import default_catalog, default_flavor_id
from tests.e2e.helpers import amount, job_in, per_minute_price, wait_for

pytestmark = pytest.mark.e2e


def training(name: str, **env: str) -> dict:
    return {"kind": "training", "name": name, "image": "harbor.example.com/caip/pytorch:1.13-mlu",
            "command": "python train.py", "resources": {"accelerator": "mlu370", "count": 1}, "env": env}


def caip_price(flavor_id: str) -> int:
    """The simulator's list price per hour for `flavor_id`, in micro-CNY, as the adapter converts it."""
    credit = next(spec["credit"] for spec, _, _ in default_catalog("") if default_flavor_id(spec["name"]) == flavor_id)
    return price_per_hour(credit, CaipSettings().cny_per_credit)


def observed_minutes(events: list[dict]) -> int:
    """CAIP reports no start or end time, so billing meters from when the watcher saw RUNNING to
    when it saw the end: ceil(that / 60 s) minutes."""
    started = next(e["observed_at"] for e in events if e["to_status"] == "RUNNING")
    ended = events[-1]["observed_at"]
    elapsed = datetime.fromisoformat(ended) - datetime.fromisoformat(started)
    return math.ceil(elapsed.total_seconds() / 60)


def settled_charges(tenant, job_id: str, expected: int) -> dict:
    return wait_for(lambda: (u := tenant.get("/v1/usage", params={"job_id": job_id}).json())["items"] and
                    amount(u["total"]["amount"]) == expected and u, what=f"charges of {expected}")


def test_mlu_job_runs_on_caip_to_success_and_is_charged(tenant):
    submitted = tenant.post("/v1/jobs", json=training("mlu-resnet", SWITCHYARD_SIM_RUN_SECONDS="2"))
    assert submitted.status_code == 202, submitted.text
    job_id = submitted.json()["id"]

    job = job_in(tenant, job_id, "SUCCEEDED", "FAILED", "STOPPED")
    assert job["status"] == "SUCCEEDED"
    assert (job["vendor"], job["flavor"]) == ("caip", default_flavor_id("mlu370-x1"))  # the cheapest MLU370
    assert job["vendor_job_id"]

    events = tenant.get(f"/v1/jobs/{job_id}/events").json()["items"]
    transitions = [(e["to_status"], e["raw_status"]) for e in events if e["from_status"] != e["to_status"]]
    assert transitions == [("PENDING", None), ("QUEUED", "Pending"), ("RUNNING", "Running"),
                           ("SUCCEEDED", "Completed")]

    price = per_minute_price(caip_price(job["flavor"]))
    minutes = observed_minutes(events)
    assert minutes == 1
    usage = settled_charges(tenant, job_id, minutes * price)
    assert [i["minute"] for i in usage["items"] if i["kind"] == "charge"] == list(range(minutes))
    assert amount(tenant.get("/v1/balance").json()["balance"]) == amount("100.00") - minutes * price
    assert wait_for(lambda: amount(tenant.get(f"/v1/jobs/{job_id}").json()["cost"]["amount"]) == minutes * price,
                    what="job cost")


def test_cancelled_caip_job_is_stopped(tenant):
    job_id = tenant.post("/v1/jobs", json=training("mlu-long", SWITCHYARD_SIM_RUN_SECONDS="600")).json()["id"]
    running = job_in(tenant, job_id, "RUNNING")
    assert running["vendor"] == "caip"
    assert tenant.post(f"/v1/jobs/{job_id}/cancel").status_code == 202

    job = job_in(tenant, job_id, "STOPPED", "SUCCEEDED", "FAILED")
    assert job["status"] == "STOPPED"
    events = tenant.get(f"/v1/jobs/{job_id}/events").json()["items"]
    assert events[-1]["raw_status"] == "Aborted"  # every sub-job stopped (there is no job-level stop)
    price = per_minute_price(caip_price(job["flavor"]))
    settled_charges(tenant, job_id, observed_minutes(events) * price)
