"""Failover through the whole stack against the simulators: a vendor answering 5xx or 429 is skipped for the
next candidate and creates no vendor job (counted on the simulators), and a vendor outage (its simulator
stopped for a minute) changes no job and is announced once, then its recovery once."""

import asyncio
import signal
import time
import uuid
from datetime import UTC, datetime

import httpx
import pytest

from contracts.events import VendorHealthChanged
from contracts.topics import VENDOR_EVENTS
from services.scheduler.placement import vendor_job_name
from services.vendors import make_adapter
from tests.e2e.helpers import job_in, kafka_events, wait_for
from tests.e2e.test_walking_skeleton import training

pytestmark = pytest.mark.e2e



def cpu_job(name: str, **env) -> dict:
    """A CPU job for the two vendors that list flavors with GET and create with POST, so a fault on POST
    fails the create while the flavor list still answers."""
    return training(name, **env) | {"resources": {"accelerator": "cpu", "count": 0},
                                    "placement": {"vendors": ["modelarts", "caip"]}}


def set_faults(stack, vendor: str, **faults) -> None:
    response = httpx.put(f"http://127.0.0.1:{stack.ports[vendor]}/_sim/faults", json=faults)
    assert response.status_code == 200, response.text


async def vendor_jobs_named(stack, monkeypatch, vendor: str, name: str) -> int:
    """How many jobs by that name the vendor's simulator holds, asked through the real adapter."""
    monkeypatch.setenv(f"SWITCHYARD_{vendor.upper()}_ENDPOINT", f"http://127.0.0.1:{stack.ports[vendor]}")
    adapter = make_adapter(vendor)
    try:
        return 0 if await adapter.find_by_name(name) is None else 1
    finally:
        await adapter.aclose()


def run_cpu_job(tenant, name: str) -> tuple[dict, list[dict]]:
    job_id = tenant.post("/v1/jobs", json=cpu_job(name, SWITCHYARD_SIM_RUN_SECONDS="1")).json()["id"]
    job = job_in(tenant, job_id, "SUCCEEDED", "FAILED")
    tried = [e["detail"] for e in tenant.get(f"/v1/jobs/{job_id}/events").json()["items"] if e["type"] == "attempt"]
    return job, [(a["vendor"], a["outcome"]) for a in tried]


def test_vendors_answering_5xx_or_429_are_failed_over_degraded_and_create_no_job(stack, tenant, monkeypatch):
    order = [i["vendor"] for i in tenant.post("/v1/quotes", json=cpu_job("q")).json()["items"]]
    first, second = order[0], next(vendor for vendor in order if vendor != order[0])

    set_faults(stack, first, methods=["POST"], error_rate=1.0)  # creates fail; flavor lists still answer
    try:
        job, tried = run_cpu_job(tenant, "on-5xx")
    finally:
        set_faults(stack, first)
    assert job["status"] == "SUCCEEDED" and job["vendor"] == second
    assert {outcome for vendor, outcome in tried if vendor == first} == {"unavailable"}
    assert tried[-1] == (second, "submitted")
    name = vendor_job_name(uuid.UUID(job["id"]))
    assert {v: asyncio.run(vendor_jobs_named(stack, monkeypatch, v, name)) for v in (first, second)} == {
        first: 0, second: 1}  # one vendor job in all

    # `first` is degraded for a while: the next job tries `second` first; now that one throttles.
    set_faults(stack, second, methods=["POST"], throttle_rate=1.0)
    try:
        job, tried = run_cpu_job(tenant, "on-429")
    finally:
        set_faults(stack, second)
    assert job["status"] == "SUCCEEDED" and job["vendor"] == first  # degraded vendors are tried last, not dropped
    assert tried[0][0] == second and {o for v, o in tried if v == second} == {"rate_limited"}
    assert tried[-1] == (first, "submitted")
    name = vendor_job_name(uuid.UUID(job["id"]))
    assert {v: asyncio.run(vendor_jobs_named(stack, monkeypatch, v, name)) for v in (first, second)} == {
        first: 1, second: 0}


def test_a_vendor_outage_changes_no_job_and_watching_resumes(stack, tenant):
    job_id = tenant.post("/v1/jobs", json=training("steady", SWITCHYARD_SIM_RUN_SECONDS="80")).json()["id"]
    running = job_in(tenant, job_id, "RUNNING")
    assert running["vendor"] == "modelarts"
    outage_began = datetime.now(UTC)
    simulator = stack.processes["modelarts"]
    simulator.send_signal(signal.SIGSTOP)  # the vendor stops answering (connections hang, calls time out)
    try:
        time.sleep(60)
        during = tenant.get(f"/v1/jobs/{job_id}").json()
        assert during["status"] == "RUNNING"
    finally:
        simulator.send_signal(signal.SIGCONT)

    done = job_in(tenant, job_id, "SUCCEEDED", "FAILED", timeout_s=90)
    assert done["status"] == "SUCCEEDED" and done["vendor_job_id"] == running["vendor_job_id"]
    events = tenant.get(f"/v1/jobs/{job_id}/events").json()["items"]
    assert [e["type"] for e in events if e["type"] == "lost"] == []
    assert [e["to_status"] for e in events if e["type"] == "state"][-2:] == ["RUNNING", "SUCCEEDED"]

    def from_watcher(headers, payload):
        return (headers["ce_type"] == VendorHealthChanged.TYPE and headers["ce_source"] == "switchyard/watcher"
                and payload["vendor"] == "modelarts" and datetime.fromisoformat(headers["ce_time"]) >= outage_began)

    health = wait_for(lambda: [p["health"] for p in asyncio.run(kafka_events(stack, VENDOR_EVENTS, from_watcher,
                                                                             timeout_s=5))] == ["degraded", "healthy"]
                      or None, timeout_s=30, what="one outage and one recovery announced")
    assert health
