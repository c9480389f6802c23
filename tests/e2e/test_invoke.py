"""Calls to inference services through the gateway (`POST /v1/jobs/{id}/invoke`), on ModelArts (IAM token auth)
and AI Space (AK/SK signatures): the gateway checks the job, the scheduler calls the service with the vendor's
own credentials, and the service's answer (here the simulators' echo, with the serving model's name) comes back
as it was sent; each answered call counts on the job. Not the tenant's job: 404; not a running service: 409; a
call the vendor refuses: 502 with the vendor's status and code."""

import uuid

import httpx
import pytest

from switchyard_client import Client
from tests.e2e.helpers import job_in, wait_for

pytestmark = pytest.mark.e2e

H800 = {"accelerator": "nvidia-h800", "count": 1}  # AI Space alone offers it
P4 = {"accelerator": "nvidia-p4", "count": 1}  # ModelArts alone offers P4 inference instances


def someone_else(stack, admin) -> httpx.Client:
    created = admin.post("/v1/admin/tenants", json={"name": f"other-{uuid.uuid4().hex[:6]}"})
    assert created.status_code == 201, created.text
    return httpx.Client(base_url=stack.gateway, headers={"Authorization": f"Bearer {created.json()['api_key']}"},
                        timeout=10)


def running_service(tenant, spec: dict) -> dict:
    """The job once it runs and its service's address is on it."""
    submitted = tenant.post("/v1/jobs", json=spec)
    assert submitted.status_code == 202, submitted.text
    job_id = submitted.json()["id"]
    job_in(tenant, job_id, "RUNNING")
    return wait_for(lambda: (job := tenant.get(f"/v1/jobs/{job_id}").json())["endpoints"] and job,
                    what=f"the address of {job_id}")


def invocations(tenant, job_id: str) -> dict:
    return tenant.get(f"/v1/jobs/{job_id}").json()["invocations"]


def test_a_modelarts_service_is_called_through_the_gateway_and_counted(stack, admin, tenant):
    job = running_service(tenant, {
        "kind": "inference", "name": "ma-invoke", "image": "swr.cn-north-4.myhuaweicloud.com/team/s:1",
        "model": "0e07b41b-173e-42db-8c16-8e1b44cc0d44", "replicas": 1, "resources": P4})
    assert job["vendor"] == "modelarts" and job["invocations"] == {"count": 0, "bytes": 0}
    body = {"instances": [[0.1, 0.2]]}
    answered = tenant.post(f"/v1/jobs/{job['id']}/invoke", json=body)
    assert answered.status_code == 200, answered.text
    assert answered.headers["content-type"].startswith("application/json")
    echoed = answered.json()
    assert (echoed["model"], echoed["input"]) == ("model-0e07b41b", body)
    assert echoed["service"] == f"sy-{uuid.UUID(job['id']).hex}"
    first = invocations(tenant, job["id"])
    assert first["count"] == 1 and first["bytes"] == len(answered.request.content) + len(answered.content)

    refused = tenant.post(f"/v1/jobs/{job['id']}/invoke", content=b"not json", headers={"Content-Type": "text/plain"})
    assert refused.status_code == 502 and refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert (problem["type"].rsplit("/", 1)[1], problem["vendor_status"], problem["vendor_code"]) == (
        "vendor-error", 400, "ModelArts.3521")
    assert problem["instance"] == f"/v1/jobs/{job['id']}/invoke"
    assert invocations(tenant, job["id"]) == first  # a refused call counts nothing

    with someone_else(stack, admin) as other:
        hidden = other.post(f"/v1/jobs/{job['id']}/invoke", json=body)
        assert hidden.status_code == 404 and hidden.headers["content-type"].startswith("application/problem+json")
    assert invocations(tenant, job["id"]) == first

    assert tenant.post(f"/v1/jobs/{job['id']}/cancel").status_code == 202
    job_in(tenant, job["id"], "STOPPED")
    ended = tenant.post(f"/v1/jobs/{job['id']}/invoke", json=body)
    assert ended.status_code == 409 and ended.json()["type"].endswith("/job-not-invocable")


def test_an_aispace_service_is_called_with_the_client_and_its_calls_add_up(stack, tenant):
    job = running_service(tenant, {
        "kind": "inference", "name": "as-invoke", "image": "image.ccos.io/iaas_pub/serve:1",
        "model": "qwen-7b-chat", "replicas": 1, "resources": H800})
    assert job["vendor"] == "aispace"
    with Client(stack.gateway, tenant.headers["Authorization"].removeprefix("Bearer ")) as client:
        answers = [client.invoke(job["id"], {"prompt": "hello", "n": n}) for n in range(3)]
        assert [a.status for a in answers] == [200, 200, 200]
        assert [(a.json()["model"], a.json()["input"]["n"]) for a in answers] == [("qwen-7b-chat", n) for n in range(3)]
        shown = client.get_job(job["id"]).invocations
    sent = sum(len(f'{{"prompt": "hello", "n": {n}}}') for n in range(3))
    assert (shown.count, shown.bytes) == (3, sent + sum(len(a.body) for a in answers))

    assert tenant.post(f"/v1/jobs/{job['id']}/cancel").status_code == 202
    job_in(tenant, job["id"], "STOPPED")


def test_a_training_job_takes_no_calls(tenant):
    submitted = tenant.post("/v1/jobs", json={
        "kind": "training", "name": "train-not-invocable", "image": "swr.cn-north-4.myhuaweicloud.com/t/p:1",
        "command": "python train.py", "resources": {"accelerator": "ascend-910b", "count": 1}})
    assert submitted.status_code == 202, submitted.text
    job_id = submitted.json()["id"]
    refused = tenant.post(f"/v1/jobs/{job_id}/invoke", json={"x": 1})
    assert refused.status_code == 409 and refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"].endswith("/job-not-invocable") and "only inference" in refused.json()["detail"]
    assert tenant.post(f"/v1/jobs/{job_id}/cancel").status_code == 202


def test_an_unknown_job_is_not_found(tenant):
    missing = tenant.post(f"/v1/jobs/{uuid.uuid4()}/invoke", json={})
    assert missing.status_code == 404 and missing.json()["type"].endswith("/not-found")
