"""Where AI Space notebooks and services answer: the adapter reads their endpoints, and the simulator serves them
(a notebook's page naming it; a service echoing a call signed with the account's AK/SK, refusing one without)."""

import json

import httpx
import pytest

from services.vendors.aispace import AISpaceAdapter
from services.vendors.aispace.auth import sign
from tests.contract.aispace.case import AISpaceSim, package, request
from tests.contract.support import is_running, wait_for_job

pytestmark = pytest.mark.asyncio


async def test_a_running_notebook_answers_at_its_jupyter_endpoint(adapter: AISpaceAdapter, sim: AISpaceSim) -> None:
    job = await adapter.submit(request(package(sim, "calculate")["resourceId"], kind="notebook"))
    seen = await wait_for_job(adapter, job.vendor_job_id, is_running, kind="notebook")
    (endpoint,) = seen.endpoints
    assert endpoint.type == "jupyter" and endpoint.expires_at is None
    assert endpoint.url == f"{sim.url.rstrip('/')}/notebook/jupyter/{job.name}/lab"
    page = httpx.get(endpoint.url, timeout=5.0)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert f"<title>{job.name} - JupyterLab</title>" in page.text

    await adapter.stop(job.vendor_job_id, "notebook")
    stopped = httpx.get(endpoint.url, timeout=5.0)
    assert stopped.status_code == 503 and job.name in stopped.text
    assert httpx.get(endpoint.url.replace(job.name, "sy-nobody"), timeout=5.0).status_code == 404


async def test_a_services_address_answers_signed_calls_only(adapter: AISpaceAdapter, sim: AISpaceSim) -> None:
    job = await adapter.submit(request(package(sim, "calculate")["resourceId"], kind="inference"))
    (endpoint,) = job.endpoints
    assert endpoint.type == "http" and endpoint.url == f"{sim.url.rstrip('/')}/inference/{job.name}"
    body = {"inputs": "ping"}

    def call(ak: str, sk: str) -> httpx.Response:
        content = json.dumps(body).encode()
        address = httpx.URL(endpoint.url)
        url, headers = sign(ak, sk, "POST", address, f"{address.path}/v1/predict", [],
                            {"Content-Type": "application/json"}, content)
        return httpx.post(url, content=content, headers=headers, timeout=5.0)

    answer = call(sim.config.ak, sim.config.sk)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"model": job.name, "service": job.name, "path": "/v1/predict", "input": body}

    unsigned = httpx.post(endpoint.url, json=body, timeout=5.0)
    assert (unsigned.status_code, unsigned.json()["code"]) == (401, "Unauthorized")
    forged = call(sim.config.ak, "not-the-secret-key")
    assert (forged.status_code, forged.json()["code"]) == (401, "SignatureDoesNotMatch")

    await adapter.stop(job.vendor_job_id, "inference")
    offline = call(sim.config.ak, sim.config.sk)
    assert (offline.status_code, offline.json()["code"]) == (503, "ServiceUnavailable")
