"""Calls to an online service through the AI Space adapter: signed with the account's AK/SK at the service's
address, the service's answer returned as it came; an offline service's refusal typed with its HTTP status."""

import json

import pytest

from services.vendors import InvalidRequest, VendorError
from services.vendors.aispace import AISpaceAdapter
from tests.contract.aispace.case import AISpaceSim, package, request

pytestmark = pytest.mark.asyncio


async def test_an_online_service_answers_a_signed_call(adapter: AISpaceAdapter, sim: AISpaceSim) -> None:
    job = await adapter.submit(request(package(sim, "calculate")["resourceId"], kind="inference"))
    (endpoint,) = (await adapter.get(job.vendor_job_id, "inference")).endpoints
    body = json.dumps({"prompt": "hello"}).encode()
    answer = await adapter.invoke(job.vendor_job_id, "inference", endpoint.url + "/v1/chat", body,
                                  "application/json", 10.0)
    assert answer.status == 200 and answer.content_type.startswith("application/json")
    echoed = json.loads(answer.body)
    assert (echoed["service"], echoed["path"], echoed["input"]) == (job.name, "/v1/chat", {"prompt": "hello"})

    await adapter.stop(job.vendor_job_id, "inference")
    with pytest.raises(VendorError) as refused:
        await adapter.invoke(job.vendor_job_id, "inference", endpoint.url, body, "application/json", 10.0)
    assert refused.value.http_status is not None and refused.value.http_status >= 400
    assert "offline" in refused.value.message


async def test_only_services_take_calls(adapter: AISpaceAdapter) -> None:
    with pytest.raises(InvalidRequest) as refused:
        await adapter.invoke("notebook:1", "notebook", "http://127.0.0.1:1/x", b"", "application/json", 1.0)
    assert refused.value.http_status is None  # the adapter's own refusal: nothing was sent
