"""CECSTACK AI Space through the whole stack: a training job, an SFT fine-tune and a notebook, each placed on the
simulator's H800 package (no other vendor offers nvidia-h800), watched, charged per minute; the notebook cancelled."""

import asyncio
from datetime import datetime, timedelta

import pytest

from services.vendors.aispace import AISpaceAdapter, AISpaceSettings
from tests.e2e.helpers import amount, expected_minutes, job_in, per_minute_price, wait_for

pytestmark = pytest.mark.e2e

H800 = {"accelerator": "nvidia-h800", "count": 1}


def aispace_price(stack, flavor_id: str) -> int:
    """The vendor price per hour the scheduler saw: the package's hourly unit price, read through the adapter."""

    async def prices() -> dict[str, int]:
        adapter = AISpaceAdapter(AISpaceSettings(endpoint=f"http://127.0.0.1:{stack.ports['aispace']}"))
        try:
            return {flavor.flavor_id: flavor.price_per_hour for flavor in await adapter.list_flavors()}
        finally:
            await adapter.aclose()

    return asyncio.run(prices())[flavor_id]


def transitions(tenant, job_id: str) -> list[tuple[str, str]]:
    events = tenant.get(f"/v1/jobs/{job_id}/events").json()["items"]
    return [(e["to_status"], e["raw_status"]) for e in events if e["from_status"] != e["to_status"]]


def assert_charged_by_the_minute(stack, tenant, job: dict) -> None:
    price = per_minute_price(aispace_price(stack, job["flavor"]))
    minutes = expected_minutes(job)
    usage = wait_for(
        lambda: (
            (u := tenant.get("/v1/usage", params={"job_id": job["id"]}).json())["items"]
            and sum(amount(i["amount"]) for i in u["items"]) == minutes * price
            and u
        ),
        what="charges equal to minutes x price",
    )
    assert [i["minute"] for i in usage["items"] if i["kind"] == "charge"] == list(range(minutes))
    assert amount(usage["total"]["amount"]) == minutes * price
    assert wait_for(
        lambda: amount(tenant.get(f"/v1/jobs/{job['id']}").json()["cost"]["amount"]) == minutes * price, what="job cost"
    )
    assert amount(tenant.get("/v1/balance").json()["balance"]) == amount("100.00") - minutes * price


@pytest.mark.parametrize(("task", "table"), [(None, "slm"), ("sft", "sft")])
def test_training_and_fine_tuning_run_on_aispace(stack, tenant, task: str | None, table: str):
    spec = {
        "kind": "training",
        "name": f"aispace-{table}",
        "image": "image.ccos.io/iaas_pub/pytorch:2.1",
        "command": "python train.py",
        "resources": H800,
        "env": {"SWITCHYARD_SIM_RUN_SECONDS": "2"},
    }
    if task:
        spec["task"] = task
    submitted = tenant.post("/v1/jobs", json=spec)
    assert submitted.status_code == 202, submitted.text

    job = job_in(tenant, submitted.json()["id"], "SUCCEEDED", "FAILED", "STOPPED")
    assert job["status"] == "SUCCEEDED"
    assert job["vendor"] == "aispace" and job["vendor_job_id"].startswith(f"{table}:")
    assert job["flavor"].startswith("AIDP-")
    moves = transitions(tenant, job["id"])
    assert [status for status, _ in moves] == ["PENDING", "QUEUED", "RUNNING", "SUCCEEDED"]
    assert [raw for _, raw in moves[1:]] == ["Pending", "Running", "Succeeded"]
    assert_charged_by_the_minute(stack, tenant, job)


def test_a_notebook_runs_on_aispace_until_cancelled(stack, tenant):
    spec = {
        "kind": "notebook",
        "name": "aispace-notebook",
        "image": "image.ccos.io/iaas_pub/notebook:vscode-gpu",
        "resources": H800,
    }
    job_id = tenant.post("/v1/jobs", json=spec).json()["id"]
    running = job_in(tenant, job_id, "RUNNING")
    assert running["vendor"] == "aispace" and running["vendor_job_id"].startswith("notebook:")
    assert tenant.post(f"/v1/jobs/{job_id}/cancel").status_code == 202

    job = job_in(tenant, job_id, "STOPPED", "SUCCEEDED", "FAILED")
    assert job["status"] == "STOPPED"
    moves = transitions(tenant, job_id)
    assert [status for status, _ in moves] == ["PENDING", "QUEUED", "RUNNING", "STOPPED"]
    assert [raw for _, raw in moves[1:]] == ["Pending", "Running", "Stopped"]
    assert_charged_by_the_minute(stack, tenant, job)


def test_a_job_waiting_pending_for_a_node_is_not_billed_for_the_wait(stack, tenant):
    """The H800 x1 package runs two nodes: a third job waits as Pending on AI Space until one ends. It pays from
    its phase change to Running, not from its launch."""
    def training(name: str, seconds: str) -> dict:
        return {"kind": "training", "name": name, "image": "image.ccos.io/iaas_pub/pytorch:2.1",
                "command": "python train.py", "resources": H800, "env": {"SWITCHYARD_SIM_RUN_SECONDS": seconds}}

    blockers = [tenant.post("/v1/jobs", json=training(f"blocker-{n}", "65")).json()["id"] for n in (1, 2)]
    for blocker in blockers:
        job_in(tenant, blocker, "RUNNING")
    waiting = tenant.post("/v1/jobs", json=training("patient", "5")).json()["id"]
    queued = job_in(tenant, waiting, "QUEUED")
    assert queued["vendor"] == "aispace" and queued["started_at"] is None

    job = job_in(tenant, waiting, "SUCCEEDED", "FAILED", "STOPPED", timeout_s=150)
    assert job["status"] == "SUCCEEDED"
    first_end = min(datetime.fromisoformat(job_in(tenant, b, "SUCCEEDED")["finished_at"]) for b in blockers)
    started = datetime.fromisoformat(job["started_at"])
    assert started >= first_end - timedelta(seconds=2)  # it ran once a node was free, and only then counts
    assert expected_minutes(job) == 1  # 5 s of running, not the minute and more it waited
    price = per_minute_price(aispace_price(stack, job["flavor"]))
    assert wait_for(lambda: amount(tenant.get(f"/v1/jobs/{waiting}").json()["cost"]["amount"]) == price,
                    what="one minute charged")
    usage = tenant.get("/v1/usage", params={"job_id": waiting}).json()
    assert [(i["minute"], i["kind"]) for i in usage["items"]] == [(0, "charge")]
