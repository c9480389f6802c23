"""Where ModelArts notebooks and services answer: the adapter reads a notebook's `url` (until its lease ends) and a
service's `access_address` (also while it watches by listing, which leaves the address out), and the simulator
serves them: a notebook's page naming it, a service echoing calls made with the account's credentials."""

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from contracts.status import JobStatus
from services.vendors import SubmitRequest
from services.vendors.modelarts import ModelArtsAdapter
from tests.contract.modelarts.case import ModelArtsSim, error_code
from tests.contract.support import is_running, wait_for_job

pytestmark = pytest.mark.asyncio

CPU = "modelarts.vm.cpu.2u"
MODEL = "0e07b41b-173e-42db-8c16-8e1b44cc0d44"


def _request(kind: str, **fields) -> SubmitRequest:
    image = "e1a07296-22a8-4f05-8bc8-e936c8e54090" if kind == "notebook" else "unused"
    return SubmitRequest(name=f"sy-{uuid.uuid4().hex}", kind=kind, image=image, command=None, env={}, flavor_id=CPU,
                         **fields)  # type: ignore[arg-type]


async def test_a_running_notebook_answers_at_its_url_until_its_lease_ends(adapter: ModelArtsAdapter,
                                                                          sim: ModelArtsSim) -> None:
    job = await adapter.submit(_request("notebook", max_runtime_s=3600))
    seen = await wait_for_job(adapter, job.vendor_job_id, is_running, kind="notebook")
    (endpoint,) = seen.endpoints
    assert endpoint.type == "jupyter" and endpoint.url == f"{sim.url.rstrip('/')}/{job.vendor_job_id}/lab"
    assert endpoint.expires_at is not None
    assert timedelta(minutes=50) < endpoint.expires_at - datetime.now(UTC) <= timedelta(hours=1)
    listed = next(j for j in await adapter.list_active() if j.vendor_job_id == job.vendor_job_id)
    assert listed.endpoints == seen.endpoints
    page = httpx.get(endpoint.url, timeout=5.0)
    assert page.status_code == 200 and f"<title>{job.name} - JupyterLab</title>" in page.text

    await adapter.stop(job.vendor_job_id, "notebook")
    assert httpx.get(endpoint.url, timeout=5.0).status_code == 503
    assert httpx.get(f"{sim.url.rstrip('/')}/{uuid.uuid4()}/lab", timeout=5.0).status_code == 404


async def test_a_running_service_answers_calls_with_the_accounts_credentials(adapter: ModelArtsAdapter,
                                                                           sim: ModelArtsSim) -> None:
    job = await adapter.submit(_request("inference", model=MODEL, replicas=1))
    seen = await wait_for_job(adapter, job.vendor_job_id, is_running, kind="inference")
    (endpoint,) = seen.endpoints
    assert endpoint.type == "http" and endpoint.url == f"{sim.url.rstrip('/')}/v1/infers/{job.vendor_job_id}"
    listed = next(j for j in await adapter.list_active() if j.vendor_job_id == job.vendor_job_id)
    assert listed.endpoints == seen.endpoints  # the list has no address: the adapter read the detail

    body = {"instances": [[1, 2, 3]]}
    path = httpx.URL(endpoint.url).path + "/predict"
    with sim.client(sim.raw_token()) as client:
        answer = client.post(path, json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"model": f"model-{MODEL[:8]}", "service": job.name, "path": "/predict", "input": body}
    signed = sim.signed("POST", path, json_body=body)
    assert signed.status_code == 200 and signed.json()["input"] == body
    assert error_code(httpx.post(endpoint.url, json=body, timeout=5.0)) == (401, "ModelArts.0201")
    assert error_code(sim.signed("POST", path, json_body=body, sk="not-the-secret")) == (401, "ModelArts.0208")

    await adapter.stop(job.vendor_job_id, "inference")
    stopped = await wait_for_job(adapter, job.vendor_job_id, lambda j: j.status is JobStatus.STOPPED,
                                 kind="inference")
    assert stopped.status is JobStatus.STOPPED
    with sim.client(sim.raw_token()) as client:
        assert error_code(client.post(path, json=body)) == (503, "ModelArts.3520")
