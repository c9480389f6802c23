"""Qizhi tokens: login on first use, one token for many calls, renewal when refused."""

import httpx
import pytest
from contextlib import aclosing

from services.vendors import AuthFailed
from services.vendors.qizhi import QizhiAdapter
from tests.contract.qizhi.case import QizhiSim, request
from tests.contract.support import StartSim, is_terminal, wait_for_job

async def test_token_is_fetched_once_and_reused(start_sim: StartSim) -> None:
    sim = start_sim()
    async with aclosing(QizhiAdapter(sim.settings())) as adapter:
        await adapter.list_flavors()
        job = await adapter.submit(request(SWITCHYARD_SIM_RUN_SECONDS="0.1"))
        await adapter.get(job.vendor_job_id)
    calls = sim.stats()["calls"]
    assert calls["/auth/token"] == 1
    assert calls["/openapi/v1/train_job/detail"] == 1


def test_token_answer_is_enveloped_with_a_seven_day_lifetime(sim: QizhiSim) -> None:
    body = {"username": sim.config.username, "password": sim.config.password}
    answer = httpx.post(f"{sim.url}/auth/token", json=body).json()
    assert (answer["code"], answer["message"]) == (0, "success")
    assert answer["data"]["expires_in"] == 604800
    assert answer["data"]["token_type"] == "Bearer"
    assert answer["data"]["access_token"]


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic c2ltLXVzZXI6c2ltLXBhc3N3b3Jk"])
def test_a_bad_token_answers_http_200_with_code_minus_1(sim: QizhiSim, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = httpx.post(f"{sim.url}/openapi/v1/train_job/detail", json={"job_id": "job-x"}, headers=headers)
    assert response.status_code == 200
    assert response.json() == {"code": -1, "message": "token is expired"}


def test_an_expired_token_answers_http_200_with_code_minus_1(sim: QizhiSim) -> None:
    token = sim.token()
    assert sim.post("/openapi/v1/train_job/detail", {"job_id": "job-x"}, token).json()["code"] == 100002
    sim.expire_tokens()
    response = sim.post("/openapi/v1/train_job/detail", {"job_id": "job-x"}, token)
    assert (response.status_code, response.json()["code"]) == (200, -1)


async def test_expired_token_is_renewed_once_and_the_call_retried(start_sim: StartSim) -> None:
    sim = start_sim()
    async with aclosing(QizhiAdapter(sim.settings())) as adapter:
        job = await adapter.submit(request(SWITCHYARD_SIM_RUN_SECONDS="0.2"))
        sim.expire_tokens()
        seen = await adapter.get(job.vendor_job_id)  # code -1, login, retry: the caller sees the job
        assert seen.vendor_job_id == job.vendor_job_id
        await adapter.get(job.vendor_job_id)  # the new token is kept
    calls = sim.stats()["calls"]
    assert calls["/auth/token"] == 2
    assert calls["/openapi/v1/train_job/detail"] == 3  # refused, retried, then once more


async def test_a_token_refused_again_after_renewal_is_auth_failed(start_sim: StartSim) -> None:
    sim = start_sim(token_ttl_s=0)  # every token is born expired
    async with aclosing(QizhiAdapter(sim.settings())) as adapter:
        with pytest.raises(AuthFailed) as caught:
            await adapter.get("job-anything")
    assert caught.value.code == "-1"
    assert sim.stats()["calls"]["/auth/token"] == 2  # retried exactly once


@pytest.mark.parametrize("token_status", [400, 401])
async def test_bare_mode_the_documents_literal_shapes_work_too(start_sim: StartSim, token_status: int) -> None:
    """Without the envelope: bare payloads, errors as HTTP 400 strings, a bad token too (or a gateway's 401)."""
    sim = start_sim(envelope=False, bare_token_status=token_status)
    raw = httpx.post(f"{sim.url}/auth/token", json={"username": sim.config.username, "password": sim.config.password})
    assert set(raw.json()) == {"access_token", "expires_in", "token_type"}

    async with aclosing(QizhiAdapter(sim.settings())) as adapter:
        assert {flavor.price_per_hour for flavor in await adapter.list_flavors()} >= {14_600_000, 117_000_000}
        job = await adapter.submit(request(SWITCHYARD_SIM_RUN_SECONDS="0.2"))
        sim.expire_tokens()  # now a 400 (or 401) with a string body: renewed as well
        refused = httpx.post(f"{sim.url}/openapi/v1/train_job/detail", json={"job_id": job.vendor_job_id},
                             headers={"Authorization": "Bearer expired"})
        assert (refused.status_code, refused.text) == (token_status, "token is expired")
        done = await wait_for_job(adapter, job.vendor_job_id, is_terminal)
        assert done.raw_status == "job_succeeded"
    assert sim.stats()["calls"]["/auth/token"] == 3  # the raw login above, the adapter's, its renewal
