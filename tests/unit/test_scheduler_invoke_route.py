"""The scheduler's internal route that calls an inference service: the adapter's 2xx answer relayed as it came, a
refusal as a 502 problem, no answer in time as a 504, an unknown vendor as a 409."""

import asyncio

import httpx

from services.scheduler.api import create_app
from services.vendors.base import ServiceAnswer
from services.vendors.errors import AuthFailed

JOB = "00000000-0000-0000-0000-000000000001"
QUERY = {"vendor": "fake", "vendor_job_id": "svc-1", "address": "http://vendor.test/infer/svc-1"}


class FakeAdapter:
    def __init__(self, outcome):
        self.outcome, self.calls = outcome, []

    async def invoke(self, vendor_job_id, kind, address, body, content_type, timeout_s):
        self.calls.append((vendor_job_id, kind, address, body, content_type, timeout_s))
        if self.outcome == "slow":
            await asyncio.sleep(30)
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


async def call(adapter: FakeAdapter, content=b'{"x":1}', timeout_s=5.0, **query) -> httpx.Response:
    app = create_app()
    app.state.adapters, app.state.invoke_timeout_s = {"fake": adapter}, timeout_s
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://s") as client:
        return await client.post(f"/internal/jobs/{JOB}/invoke", params=QUERY | query, content=content,
                                 headers={"content-type": "application/x-ndjson"})


async def test_the_services_answer_comes_back_as_it_was_sent():
    adapter = FakeAdapter(ServiceAnswer(201, b"\x00answer", "application/octet-stream"))
    answered = await call(adapter)
    assert (answered.status_code, answered.content) == (201, b"\x00answer")
    assert answered.headers["content-type"] == "application/octet-stream"
    assert adapter.calls == [("svc-1", "inference", QUERY["address"], b'{"x":1}', "application/x-ndjson", 5.0)]


async def test_a_refusal_is_a_502_with_the_vendors_status():
    refused = await call(FakeAdapter(AuthFailed("fake", "bad signature", code="Sig", http_status=401)))
    assert refused.status_code == 502 and refused.headers["content-type"] == "application/problem+json"
    assert (refused.json()["vendor_status"], refused.json()["vendor_code"], refused.json()["detail"]) == (
        401, "Sig", "bad signature")


async def test_no_answer_within_the_timeout_is_a_504():
    late = await call(FakeAdapter("slow"), timeout_s=0.05)
    assert late.status_code == 504 and late.json()["timeout_s"] == 0.05


async def test_a_vendor_the_scheduler_does_not_place_on_is_a_409():
    adapter = FakeAdapter(ServiceAnswer(200, b"{}", "application/json"))
    refused = await call(adapter, vendor="elsewhere")
    assert refused.status_code == 409 and refused.json()["type"].endswith("/job-not-invocable")
    assert adapter.calls == []
