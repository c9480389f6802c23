"""Where notebooks and services answer, through the whole stack, on AI Space (watched job by job) and ModelArts
(watched by listing): the watcher sees a running job's endpoints on the simulator and announces them, the gateway's
read model shows them on the job (to its tenant only), and they answer: a notebook's page names it, a service
echoes a call made with the vendor's credentials and refuses one without. When the job ends they are withdrawn."""

import json
import uuid

import httpx
import pytest

from services.vendors.aispace.auth import sign
from services.vendorsim.aispace import DEFAULT_AK, DEFAULT_SK
from tests.e2e.helpers import job_in, wait_for

pytestmark = pytest.mark.e2e

H800 = {"accelerator": "nvidia-h800", "count": 1}  # AI Space alone offers it
V100 = {"accelerator": "nvidia-v100", "count": 1}  # ModelArts alone offers V100 notebooks
P4 = {"accelerator": "nvidia-p4", "count": 1}  # and P4 inference instances


def endpoints_of(tenant, job_id: str) -> list[dict]:
    return wait_for(lambda: tenant.get(f"/v1/jobs/{job_id}").json()["endpoints"], what=f"endpoints of {job_id}")


def withdrawn(tenant, job_id: str) -> dict:
    """The job once it ended and its endpoints are gone."""
    job_in(tenant, job_id, "STOPPED", "SUCCEEDED", "FAILED")
    return wait_for(lambda: (job := tenant.get(f"/v1/jobs/{job_id}").json())["endpoints"] == [] and job,
                    what="endpoints withdrawn")


def someone_else(stack, admin) -> httpx.Client:
    created = admin.post("/v1/admin/tenants", json={"name": f"other-{uuid.uuid4().hex[:6]}"})
    assert created.status_code == 201, created.text
    return httpx.Client(base_url=stack.gateway, headers={"Authorization": f"Bearer {created.json()['api_key']}"},
                        timeout=10)


def test_a_running_notebook_shows_its_page_which_names_it(stack, admin, tenant):
    spec = {"kind": "notebook", "name": "lab-endpoints", "image": "image.ccos.io/iaas_pub/notebook:vscode-gpu",
            "resources": H800}
    submitted = tenant.post("/v1/jobs", json=spec)
    assert submitted.status_code == 202, submitted.text
    job_id = submitted.json()["id"]
    running = job_in(tenant, job_id, "RUNNING")
    assert running["vendor"] == "aispace"

    (endpoint,) = endpoints_of(tenant, job_id)
    assert endpoint["type"] == "jupyter" and endpoint["expires_at"] is None
    assert endpoint["url"].startswith(f"http://127.0.0.1:{stack.ports['aispace']}/notebook/jupyter/sy-")
    listed = next(job for job in tenant.get("/v1/jobs").json()["items"] if job["id"] == job_id)
    assert listed["endpoints"] == [endpoint]
    page = httpx.get(endpoint["url"], timeout=10)
    vendor_name = endpoint["url"].split("/")[-2]  # the job's name on the vendor, sy-<job id hex>
    assert vendor_name == f"sy-{uuid.UUID(job_id).hex}"
    assert page.status_code == 200 and f"<title>{vendor_name} - JupyterLab</title>" in page.text

    with someone_else(stack, admin) as other:
        hidden = other.get(f"/v1/jobs/{job_id}")
        assert hidden.status_code == 404 and hidden.headers["content-type"].startswith("application/problem+json")
        assert job_id not in other.get("/v1/jobs").text

    assert tenant.post(f"/v1/jobs/{job_id}/cancel").status_code == 202
    assert withdrawn(tenant, job_id)["status"] == "STOPPED"
    assert httpx.get(endpoint["url"], timeout=10).status_code == 503  # a stopped notebook's page answers no more


def test_a_running_service_answers_calls_signed_with_the_vendors_keys_only(stack, tenant):
    spec = {"kind": "inference", "name": "serve-endpoints", "image": "image.ccos.io/iaas_pub/serve:1",
            "model": "qwen-7b-chat", "replicas": 1, "resources": H800}
    submitted = tenant.post("/v1/jobs", json=spec)
    assert submitted.status_code == 202, submitted.text
    job_id = submitted.json()["id"]
    job_in(tenant, job_id, "RUNNING")

    (endpoint,) = endpoints_of(tenant, job_id)
    assert endpoint["type"] == "http"
    address = httpx.URL(endpoint["url"])
    assert (address.host, address.port) == ("127.0.0.1", stack.ports["aispace"])
    body = {"prompt": "hello", "max_tokens": 8}
    content = json.dumps(body).encode()

    def call(sk: str) -> httpx.Response:
        url, headers = sign(DEFAULT_AK, sk, "POST", address, f"{address.path}/v1/completions", [],
                            {"Content-Type": "application/json"}, content)
        return httpx.post(url, content=content, headers=headers, timeout=10)

    answered = call(DEFAULT_SK)
    assert answered.status_code == 200, answered.text
    echoed = answered.json()
    assert (echoed["model"], echoed["input"], echoed["path"]) == ("qwen-7b-chat", body, "/v1/completions")

    unsigned = httpx.post(f"{endpoint['url']}/v1/completions", json=body, timeout=10)
    assert (unsigned.status_code, unsigned.json()["code"]) == (401, "Unauthorized")
    forged = call("a-secret-key-that-is-not-the-accounts")
    assert (forged.status_code, forged.json()["code"]) == (401, "SignatureDoesNotMatch")

    assert tenant.post(f"/v1/jobs/{job_id}/cancel").status_code == 202
    assert withdrawn(tenant, job_id)["status"] == "STOPPED"


def test_a_modelarts_notebook_shows_its_url_until_its_lease_ends(stack, tenant):
    spec = {"kind": "notebook", "name": "ma-lab-endpoints", "image": "swr.cn-north-4.myhuaweicloud.com/team/lab:1.0",
            "resources": V100, "storage_gb": 20}
    submitted = tenant.post("/v1/jobs", json=spec)
    assert submitted.status_code == 202, submitted.text
    job_id = submitted.json()["id"]
    assert job_in(tenant, job_id, "RUNNING")["vendor"] == "modelarts"

    (endpoint,) = endpoints_of(tenant, job_id)
    job = tenant.get(f"/v1/jobs/{job_id}").json()
    assert endpoint["type"] == "jupyter" and endpoint["expires_at"] is not None  # the notebook's lease
    assert endpoint["url"] == f"http://127.0.0.1:{stack.ports['modelarts']}/{job['vendor_job_id']}/lab"
    page = httpx.get(endpoint["url"], timeout=10)
    assert page.status_code == 200 and f"sy-{uuid.UUID(job_id).hex}" in page.text

    assert tenant.post(f"/v1/jobs/{job_id}/cancel").status_code == 202
    assert withdrawn(tenant, job_id)["status"] == "STOPPED"


def modelarts_token(stack) -> str:
    """An IAM token of the simulator's dev user (its adapter's defaults)."""
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "sim-user", "password": "sim-password", "domain": {"name": "sim-domain"}}}},
        "scope": {"project": {"name": "cn-north-4"}}}}
    issued = httpx.post(f"http://127.0.0.1:{stack.ports['modelarts']}/v3/auth/tokens", json=body, timeout=10)
    assert issued.status_code == 201, issued.text
    return issued.headers["X-Subject-Token"]


def test_a_modelarts_service_answers_calls_with_an_iam_token_only(stack, tenant):
    spec = {"kind": "inference", "name": "ma-serve-endpoints", "image": "swr.cn-north-4.myhuaweicloud.com/team/s:1",
            "model": "0e07b41b-173e-42db-8c16-8e1b44cc0d44", "replicas": 1, "resources": P4}
    submitted = tenant.post("/v1/jobs", json=spec)
    assert submitted.status_code == 202, submitted.text
    job_id = submitted.json()["id"]
    job_in(tenant, job_id, "RUNNING")

    (endpoint,) = endpoints_of(tenant, job_id)
    job = tenant.get(f"/v1/jobs/{job_id}").json()
    assert endpoint["type"] == "http"
    assert endpoint["url"] == f"http://127.0.0.1:{stack.ports['modelarts']}/v1/infers/{job['vendor_job_id']}"
    body = {"instances": [[0.1, 0.2]]}
    answered = httpx.post(endpoint["url"], json=body, headers={"X-Auth-Token": modelarts_token(stack)}, timeout=10)
    assert answered.status_code == 200, answered.text
    assert (answered.json()["model"], answered.json()["input"]) == ("model-0e07b41b", body)
    refused = httpx.post(endpoint["url"], json=body, timeout=10)
    assert (refused.status_code, refused.json()["error_code"]) == (401, "ModelArts.0201")

    assert tenant.post(f"/v1/jobs/{job_id}/cancel").status_code == 202
    assert withdrawn(tenant, job_id)["status"] == "STOPPED"
