"""A job's logs through the whole stack: followed live over Server-Sent Events while a ModelArts training job
runs, kept once it ended (read again after the vendor job was deleted), 501 for a vendor without a log API,
404 for another tenant's job."""

import re

import httpx
import pytest

from tests.e2e.helpers import job_in, wait_for

pytestmark = pytest.mark.e2e

PROGRESS = re.compile(r"^\[worker-0\] step (\d+)/1000 loss \d+\.\d{3}$")


def training(name: str, accelerator: str = "ascend-910b", **env: str) -> dict:
    return {"kind": "training", "name": name, "image": "swr.example/team/pytorch:2.1",
            "command": "python train.py --epochs 3", "resources": {"accelerator": accelerator, "count": 1},
            "env": env}


def follow(tenant, job_id: str, on_first_line=None) -> tuple[list[str], str | None]:
    """Every `data` line of the job's log stream and the `end` event's data; `on_first_line()` runs when the
    first line arrives, while the stream is still open."""
    lines, ended, event, data = [], None, "message", []
    with tenant.stream("GET", f"/v1/jobs/{job_id}/logs", params={"follow": "true"},
                       timeout=httpx.Timeout(10, read=60)) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        for raw in response.iter_lines():
            if raw.startswith(":"):
                continue
            if raw == "":
                if event == "end":
                    ended = "\n".join(data)
                    break
                if data:
                    lines.append("\n".join(data))
                    if len(lines) == 1 and on_first_line is not None:
                        on_first_line()
                event, data = "message", []
                continue
            field, _, value = raw.partition(": ")
            if field == "event":
                event = value
            elif field == "data":
                data.append(value)
    return lines, ended


def test_a_training_jobs_logs_are_followed_live_and_kept_after_the_vendor_deleted_it(tenant, stack):
    job_id = tenant.post("/v1/jobs", json=training("logged", SWITCHYARD_SIM_RUN_SECONDS="8")).json()["id"]
    seen_while = []
    lines, ended = follow(tenant, job_id,
                          on_first_line=lambda: seen_while.append(tenant.get(f"/v1/jobs/{job_id}").json()["status"]))

    assert seen_while and seen_while[0] not in ("SUCCEEDED", "FAILED", "STOPPED")  # lines came before the end
    assert ended == "SUCCEEDED"
    assert lines[:2] == ["[worker-0] ==> image: swr.example/team/pytorch:2.1",
                         "[worker-0] ==> command: python train.py --epochs 3"]
    assert lines[-1] == "[worker-0] exit status 0"
    steps = [int(m.group(1)) for line in lines if (m := PROGRESS.match(line))]
    assert steps and steps == sorted(set(steps))  # every line once, in order: a follower gets only new lines

    job = job_in(tenant, job_id, "SUCCEEDED")
    assert job["vendor"] == "modelarts"
    kept = wait_for(lambda: (r := tenant.get(f"/v1/jobs/{job_id}/logs")).headers.get("Logs-Source") == "stored"
                    and r, what="the logs kept")
    assert kept.headers["content-type"].startswith("text/plain") and kept.text.splitlines() == lines

    sim = f"http://127.0.0.1:{stack.ports['modelarts']}"
    assert httpx.delete(f"{sim}/_sim/jobs/{job['vendor_job_id']}").status_code == 204
    [vendor_job] = [j for j in httpx.get(f"{sim}/_sim/jobs").json() if j["job_id"] == job["vendor_job_id"]]
    assert vendor_job["deleted"]

    again = tenant.get(f"/v1/jobs/{job_id}/logs", params={"tail": 2})
    assert again.status_code == 200 and again.headers["Logs-Source"] == "stored"
    assert again.text.splitlines() == lines[-2:]
    _, ended_again = follow(tenant, job_id)  # an ended job's stream ends at once
    assert ended_again == "SUCCEEDED"


def test_a_vendor_without_a_log_api_answers_501_naming_it(tenant):
    job_id = tenant.post("/v1/jobs", json=training("unlogged", "nvidia-h100",
                                                   SWITCHYARD_SIM_RUN_SECONDS="30")).json()["id"]
    job = job_in(tenant, job_id, "RUNNING")
    assert job["vendor"] == "qizhi"
    for params in ({}, {"follow": "true"}):
        refused = tenant.get(f"/v1/jobs/{job_id}/logs", params=params)
        assert refused.status_code == 501, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        body = refused.json()
        assert body["type"].endswith("/logs-unsupported") and body["vendor"] == "qizhi"
        assert body["instance"] == f"/v1/jobs/{job_id}/logs"
    tenant.post(f"/v1/jobs/{job_id}/cancel")


def test_another_tenants_job_logs_are_not_found(tenant, admin, stack):
    job_id = tenant.post("/v1/jobs", json=training("private-logs")).json()["id"]
    other = admin.post("/v1/admin/tenants", json={"name": "nosy"}).json()
    headers = {"Authorization": f"Bearer {other['api_key']}"}
    for params in ({}, {"follow": "true"}):
        response = httpx.get(f"{stack.gateway}/v1/jobs/{job_id}/logs", params=params, headers=headers)
        assert response.status_code == 404
        assert response.json()["type"].endswith("/not-found")
    assert tenant.get(f"/v1/jobs/{job_id}/logs").status_code == 200
