"""A job's metrics through the whole stack: a running ModelArts training job's resource use as named series with
points (read from the vendor through the scheduler), 501 naming the vendor where it documents none, 404 for another
tenant's job."""

from datetime import datetime

import httpx
import pytest

from tests.e2e.helpers import job_in, wait_for

pytestmark = pytest.mark.e2e


def training(name: str, accelerator: str = "ascend-910b", **env: str) -> dict:
    return {"kind": "training", "name": name, "image": "swr.example/team/pytorch:2.1",
            "command": "python train.py", "resources": {"accelerator": accelerator, "count": 1}, "env": env}


def test_a_running_modelarts_training_jobs_metrics_have_points(tenant):
    job_id = tenant.post("/v1/jobs", json=training("measured", SWITCHYARD_SIM_RUN_SECONDS="60")).json()["id"]
    job = job_in(tenant, job_id, "RUNNING")
    assert job["vendor"] == "modelarts"

    answer = wait_for(lambda: (r := tenant.get(f"/v1/jobs/{job_id}/metrics")).status_code == 200
                      and r.json()["series"] and r, what="the job's metrics")
    series = {s["name"]: s for s in answer.json()["series"]}
    assert set(series) == {"cpu_usage", "mem_usage", "npu_util", "npu_mem_usage"}  # an Ascend flavor: no GPU data
    started = datetime.fromisoformat(job["started_at"])
    for one in series.values():
        assert one["unit"] == "%" and one["points"] and all(0 <= value <= 100 for _, value in one["points"])
        times = [datetime.fromisoformat(at) for at, _ in one["points"]]
        assert abs((times[0] - started).total_seconds()) < 1  # the first minute's average, from the job's start
        assert all((b - a).total_seconds() == 60 for a, b in zip(times, times[1:]))
    tenant.post(f"/v1/jobs/{job_id}/cancel")


def test_a_vendor_without_job_metrics_answers_501_naming_it(tenant):
    job_id = tenant.post("/v1/jobs", json=training("unmeasured", "nvidia-h100",
                                                   SWITCHYARD_SIM_RUN_SECONDS="30")).json()["id"]
    job = job_in(tenant, job_id, "RUNNING")
    assert job["vendor"] == "qizhi"
    refused = tenant.get(f"/v1/jobs/{job_id}/metrics")
    assert refused.status_code == 501, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    body = refused.json()
    assert body["type"].endswith("/metrics-unsupported") and body["vendor"] == "qizhi" and "qizhi" in body["detail"]
    assert body["instance"] == f"/v1/jobs/{job_id}/metrics"
    tenant.post(f"/v1/jobs/{job_id}/cancel")


def test_another_tenants_job_metrics_are_not_found(tenant, admin, stack):
    job_id = tenant.post("/v1/jobs", json=training("private-metrics")).json()["id"]
    other = admin.post("/v1/admin/tenants", json={"name": "nosy-metrics"}).json()
    response = httpx.get(f"{stack.gateway}/v1/jobs/{job_id}/metrics",
                         headers={"Authorization": f"Bearer {other['api_key']}"})
    assert response.status_code == 404 and response.json()["type"].endswith("/not-found")
    assert tenant.get(f"/v1/jobs/{job_id}/metrics").status_code == 200
