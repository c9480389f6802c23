"""A training job from HTTP to the simulated vendor and back: status, charges, balance, webhooks."""

import uuid

import pytest

from tests.e2e.helpers import amount, expected_minutes, job_in, per_minute_price, vendor_price, verified_webhooks, wait_for

pytestmark = pytest.mark.e2e


def training(name: str, **env: str) -> dict:
    return {"kind": "training", "name": name, "image": "swr.example/team/pytorch:2.1",
            "command": "python train.py", "resources": {"accelerator": "ascend-910b", "count": 1}, "env": env}


def test_job_runs_to_success_is_charged_and_announced(tenant, receiver):
    hook = tenant.post("/v1/webhooks", json={"url": receiver.url, "event_types": [
        "job.queued", "job.running", "job.succeeded", "job.failed"]})
    assert hook.status_code == 201, hook.text
    secret = hook.json()["secret"]
    assert secret.startswith("whsec_")

    submitted = tenant.post("/v1/jobs", json=training("resnet", SWITCHYARD_SIM_RUN_SECONDS="2"))
    assert submitted.status_code == 202, submitted.text
    job_id = submitted.json()["id"]
    assert submitted.json()["status"] == "PENDING"

    job = job_in(tenant, job_id, "SUCCEEDED", "FAILED")
    assert job["status"] == "SUCCEEDED"
    assert job["vendor"] == "modelarts" and job["vendor_job_id"] and job["flavor"]

    events = tenant.get(f"/v1/jobs/{job_id}/events").json()["items"]
    # The raw status may move without the normalized one (Creating -> Pending, both QUEUED).
    transitions = [(e["to_status"], e["raw_status"]) for e in events if e["from_status"] != e["to_status"]]
    assert [status for status, _ in transitions] == ["PENDING", "QUEUED", "RUNNING", "SUCCEEDED"]
    assert transitions[2][1] == "Running" and transitions[3][1] == "Completed"
    assert [e["position"] for e in events] == list(range(len(events)))

    price = per_minute_price(vendor_price(job["flavor"]))
    minutes = expected_minutes(job)
    usage = wait_for(lambda: (u := tenant.get("/v1/usage", params={"job_id": job_id}).json())["items"] and
                     sum(amount(i["amount"]) for i in u["items"]) == minutes * price and u,
                     what="charges equal to minutes x price")
    assert [i["minute"] for i in usage["items"] if i["kind"] == "charge"] == list(range(minutes))
    assert amount(usage["total"]["amount"]) == minutes * price
    balance = tenant.get("/v1/balance").json()
    assert amount(balance["balance"]) == amount("100.00") - minutes * price
    assert wait_for(lambda: amount(tenant.get(f"/v1/jobs/{job_id}").json()["cost"]["amount"]) == minutes * price,
                    what="job cost")

    def webhook_types():
        return [p["type"] for _, p in verified_webhooks(receiver, secret) if p["data"]["job_id"] == job_id]
    assert wait_for(lambda: webhook_types() if len(set(webhook_types())) >= 3 else None, what="three webhooks")
    assert webhook_types() == ["job.queued", "job.running", "job.succeeded"]


def test_failed_job_is_announced(tenant, receiver):
    secret = tenant.post("/v1/webhooks", json={"url": receiver.url, "event_types": ["job.failed"]}).json()["secret"]
    job_id = tenant.post("/v1/jobs", json=training("doomed", SWITCHYARD_SIM_RUN_SECONDS="1",
                                                   SWITCHYARD_SIM_OUTCOME="failed")).json()["id"]
    assert job_in(tenant, job_id, "SUCCEEDED", "FAILED")["status"] == "FAILED"
    payloads = wait_for(lambda: [p for _, p in verified_webhooks(receiver, secret)], what="failure webhook")
    assert [p["type"] for p in payloads] == ["job.failed"]
    assert payloads[0]["data"]["job_id"] == job_id


def test_same_idempotency_key_creates_one_job(tenant):
    key = str(uuid.uuid4())
    first = tenant.post("/v1/jobs", json=training("idem"), headers={"Idempotency-Key": key})
    second = tenant.post("/v1/jobs", json=training("idem"), headers={"Idempotency-Key": key})
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"]
    other = tenant.post("/v1/jobs", json=training("other"), headers={"Idempotency-Key": key})
    assert other.status_code == 409
    assert other.headers["content-type"].startswith("application/problem+json")
    names = [j["name"] for j in tenant.get("/v1/jobs", params={"limit": 200}).json()["items"]]
    assert names.count("idem") == 1


def test_cancel_stops_a_running_job(tenant):
    job_id = tenant.post("/v1/jobs", json=training("long", SWITCHYARD_SIM_RUN_SECONDS="600")).json()["id"]
    job_in(tenant, job_id, "RUNNING")
    assert tenant.post(f"/v1/jobs/{job_id}/cancel").status_code == 202
    job = job_in(tenant, job_id, "STOPPED", "SUCCEEDED", "FAILED")
    assert job["status"] == "STOPPED"
    again = tenant.post(f"/v1/jobs/{job_id}/cancel")
    assert again.status_code == 409


def test_unplaceable_job_is_rejected_with_reason(tenant):
    spec = training("huge") | {"resources": {"accelerator": "nvidia-h200", "count": 8}}
    job_id = tenant.post("/v1/jobs", json=spec).json()["id"]
    job = job_in(tenant, job_id, "FAILED")
    assert job["status_reason"].startswith("no_flavor")


def test_errors_are_problem_json(tenant, admin, stack):
    import httpx

    bad = tenant.post("/v1/jobs", json={"kind": "training", "name": "x"})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert {e["location"] for e in bad.json()["errors"]} >= {"image", "resources"}
    assert tenant.get(f"/v1/jobs/{uuid.uuid4()}").status_code == 404
    assert httpx.get(f"{stack.gateway}/v1/jobs").status_code == 401
    assert httpx.post(f"{stack.gateway}/v1/admin/tenants", json={"name": "x"},
                      headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert admin.post(f"/v1/admin/tenants/{uuid.uuid4()}/credit", json={"amount": "1.00"}).status_code == 404


def test_another_tenants_job_is_not_found(tenant, admin, stack):
    import httpx

    job_id = tenant.post("/v1/jobs", json=training("private")).json()["id"]
    other = admin.post("/v1/admin/tenants", json={"name": "other"}).json()
    response = httpx.get(f"{stack.gateway}/v1/jobs/{job_id}", headers={"Authorization": f"Bearer {other['api_key']}"})
    assert response.status_code == 404
