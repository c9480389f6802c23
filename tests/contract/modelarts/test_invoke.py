"""Calls to a real-time service through the ModelArts adapter, under each authentication scheme: an IAM token or an
AK/SK signature at the service's `access_address`, the answer returned as it came; the service's refusal typed
with its status and code."""

import json
import uuid
from contextlib import aclosing

import pytest

from contracts.status import JobStatus
from services.vendors import InvalidRequest, SubmitRequest
from services.vendors.modelarts import ModelArtsAdapter
from tests.contract.support import SimClock, StartSim, drive_until

CPU = "modelarts.vm.cpu.2u"
MODEL = "0e07b41b-173e-42db-8c16-8e1b44cc0d44"


@pytest.mark.asyncio
@pytest.mark.parametrize("auth", ["token", "aksk"])
async def test_a_running_service_answers_a_call_with_the_accounts_auth(start_sim: StartSim, auth: str) -> None:
    clock = SimClock()
    sim = start_sim(clock=clock)
    async with aclosing(ModelArtsAdapter(sim.settings(auth=auth))) as modelarts:
        submitted = await modelarts.submit(SubmitRequest(
            name=f"sy-{uuid.uuid4().hex}", kind="inference", image="unused", command=None, env={}, flavor_id=CPU,
            model=MODEL))
        running = await drive_until(modelarts, submitted.vendor_job_id,
                                    lambda job: job.status is JobStatus.RUNNING and bool(job.endpoints),
                                    clock, kind="inference")
        (endpoint,) = running.endpoints
        body = json.dumps({"instances": [[1, 2]]}).encode()
        answer = await modelarts.invoke(submitted.vendor_job_id, "inference", endpoint.url, body,
                                        "application/json", 10.0)
        assert answer.status == 200 and answer.content_type.startswith("application/json")
        assert json.loads(answer.body)["input"] == {"instances": [[1, 2]]}

        with pytest.raises(InvalidRequest) as refused:  # the service takes JSON only
            await modelarts.invoke(submitted.vendor_job_id, "inference", endpoint.url, b"x", "text/plain", 10.0)
        assert (refused.value.http_status, refused.value.code) == (400, "ModelArts.3521")

        with pytest.raises(InvalidRequest) as not_a_service:
            await modelarts.invoke(submitted.vendor_job_id, "training", endpoint.url, body, "application/json", 1.0)
        assert not_a_service.value.http_status is None
