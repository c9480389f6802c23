"""ModelArts adapter against the ModelArts simulator, over real HTTP."""

import asyncio
import socket
import uuid

import pytest

from contracts.status import JobStatus
from services.vendors import (
    AuthFailed,
    CapacityUnavailable,
    InvalidRequest,
    NotFound,
    RateLimited,
    SubmitRequest,
    VendorUnavailable,
)
from services.vendors.modelarts import ModelArtsAdapter
from tests.contract.modelarts.case import ModelArtsSim
from tests.contract.support import StartSim, is_terminal, wait_for_job

pytestmark = pytest.mark.asyncio

CPU = "modelarts.vm.cpu.8u"
ONE_V100 = "modelarts.p3.large.public"


def _name(prefix: str = "sy") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def _request(
    name: str | None = None, *, flavor_id: str = CPU, max_runtime_s: int | None = None, **env: str
) -> SubmitRequest:
    return SubmitRequest(
        name=name or _name(),
        kind="training",
        image="swr.cn-north-4.myhuaweicloud.com/switchyard/train:1",
        command="python train.py",
        env=env,
        flavor_id=flavor_id,
        max_runtime_s=max_runtime_s,
    )



# --------------------------------------------------------------------------- flavors


async def test_flavors_are_listed_normalized_and_priced(adapter: ModelArtsAdapter) -> None:
    flavors = {flavor.flavor_id: flavor for flavor in await adapter.list_flavors()}

    assert set(flavors) == {
        CPU,
        ONE_V100,
        "modelarts.bm.gpu.8v100",
        "modelarts.vm.snt9.1card",
        "modelarts.bm.snt9.xlarge.2",
        "modelarts.vm.snt9.8card",
    }
    cpu = flavors[CPU]
    assert (cpu.vendor, cpu.accelerator, cpu.count, cpu.cpu, cpu.memory_gb) == ("modelarts", "cpu", 0, 8, 32)
    assert cpu.price_per_hour == 3_200_000
    assert cpu.available
    assert (flavors[ONE_V100].accelerator, flavors[ONE_V100].count) == ("nvidia-v100", 1)
    assert (flavors["modelarts.bm.gpu.8v100"].count, flavors["modelarts.bm.gpu.8v100"].price_per_hour) == (
        8,
        224_000_000,
    )
    two_cards = flavors["modelarts.bm.snt9.xlarge.2"]
    assert (two_cards.accelerator, two_cards.count, two_cards.price_per_hour) == ("ascend-910b", 2, 36_000_000)
    assert all(isinstance(flavor.price_per_hour, int) for flavor in flavors.values())


async def test_flavor_without_configured_price_is_skipped(sim: ModelArtsSim) -> None:
    modelarts = ModelArtsAdapter(sim.settings(prices={CPU: "3.20"}))
    try:
        flavors = await modelarts.list_flavors()
    finally:
        await modelarts.aclose()
    assert [flavor.flavor_id for flavor in flavors] == [CPU]


# --------------------------------------------------------------------------- job lifecycle


async def test_submitted_job_runs_to_succeeded(adapter: ModelArtsAdapter) -> None:
    submitted = await adapter.submit(_request(SWITCHYARD_SIM_RUN_SECONDS="1"))
    assert submitted.status is JobStatus.QUEUED
    assert submitted.raw_status == "Creating"
    assert submitted.created_at is not None and submitted.created_at.tzinfo is not None
    assert submitted.started_at is None and submitted.finished_at is None

    fetched = await adapter.get(submitted.vendor_job_id)
    assert (fetched.vendor_job_id, fetched.name) == (submitted.vendor_job_id, submitted.name)
    assert submitted.vendor_job_id in {job.vendor_job_id for job in await adapter.list_active()}

    running = await wait_for_job(adapter, submitted.vendor_job_id, lambda job: job.status is JobStatus.RUNNING)
    assert running.started_at is not None and running.finished_at is None

    done = await wait_for_job(adapter, submitted.vendor_job_id, is_terminal)
    assert (done.status, done.raw_status) == (JobStatus.SUCCEEDED, "Completed")
    assert done.started_at is not None and done.finished_at is not None
    assert done.created_at is not None and done.created_at <= done.started_at
    assert (done.finished_at - done.started_at).total_seconds() == pytest.approx(1.0, abs=0.01)
    assert submitted.vendor_job_id not in {job.vendor_job_id for job in await adapter.list_active()}


async def test_steered_failure_ends_failed(adapter: ModelArtsAdapter) -> None:
    job = await adapter.submit(_request(SWITCHYARD_SIM_RUN_SECONDS="0.3", SWITCHYARD_SIM_OUTCOME="failed"))
    done = await wait_for_job(adapter, job.vendor_job_id, is_terminal)
    assert (done.status, done.raw_status) == (JobStatus.FAILED, "Failed")
    assert done.reason is not None and done.reason.startswith("Failed")
    assert done.finished_at is not None


async def test_invalid_steering_is_rejected(adapter: ModelArtsAdapter) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await adapter.submit(_request(SWITCHYARD_SIM_RUN_SECONDS="soon"))
    assert caught.value.code == "ModelArts.0101"


async def test_submit_is_idempotent_by_name(adapter: ModelArtsAdapter, sim: ModelArtsSim) -> None:
    request = _request(SWITCHYARD_SIM_RUN_SECONDS="30")
    first = await adapter.submit(request)
    second = await adapter.submit(request)
    assert second.vendor_job_id == first.vendor_job_id

    with sim.client(sim.raw_token()) as client:
        search = {"filters": [{"key": "name", "operator": "like", "value": [request.name]}]}
        found = client.post(f"/v2/{sim.project_id}/training-job-searches", json=search).json()
    assert found["count"] == 1
    await adapter.stop(first.vendor_job_id)


async def test_find_by_name_matches_exactly(adapter: ModelArtsAdapter) -> None:
    name = _name("exact")
    longer = await adapter.submit(_request(f"{name}-2", SWITCHYARD_SIM_RUN_SECONDS="30"))
    job = await adapter.submit(_request(name, SWITCHYARD_SIM_RUN_SECONDS="30"))

    found = await adapter.find_by_name(name)
    assert found is not None and found.vendor_job_id == job.vendor_job_id
    assert await adapter.find_by_name(_name("missing")) is None
    for vendor_job_id in (longer.vendor_job_id, job.vendor_job_id):
        await adapter.stop(vendor_job_id)


async def test_stop_ends_stopped_and_stopping_again_is_fine(adapter: ModelArtsAdapter) -> None:
    job = await adapter.submit(_request(SWITCHYARD_SIM_RUN_SECONDS="30"))
    await wait_for_job(adapter, job.vendor_job_id, lambda seen: seen.status is JobStatus.RUNNING)

    await adapter.stop(job.vendor_job_id)
    stopping = await adapter.get(job.vendor_job_id)
    assert (stopping.raw_status, stopping.status) == ("Terminating", JobStatus.RUNNING)
    await adapter.stop(job.vendor_job_id)  # while Terminating

    stopped = await wait_for_job(adapter, job.vendor_job_id, is_terminal)
    assert (stopped.status, stopped.raw_status) == (JobStatus.STOPPED, "Terminated")
    assert stopped.finished_at is not None
    await adapter.stop(job.vendor_job_id)  # already terminal


async def test_max_runtime_becomes_auto_stop_in_hours(adapter: ModelArtsAdapter, sim: ModelArtsSim) -> None:
    job = await adapter.submit(_request(max_runtime_s=5400, SWITCHYARD_SIM_RUN_SECONDS="30"))
    with sim.client(sim.raw_token()) as client:
        body = client.get(f"/v2/{sim.project_id}/training-jobs/{job.vendor_job_id}").json()
    assert body["spec"]["auto_stop"] == {"time_unit": "HOURS", "duration": 2}
    await adapter.stop(job.vendor_job_id)


async def test_job_waits_queued_while_its_flavor_is_full(start_sim: StartSim) -> None:
    sim = start_sim(capacity=1)
    modelarts = ModelArtsAdapter(sim.settings())
    try:
        first = await modelarts.submit(_request(flavor_id=ONE_V100, SWITCHYARD_SIM_RUN_SECONDS="30"))
        await wait_for_job(modelarts, first.vendor_job_id, lambda job: job.status is JobStatus.RUNNING)
        second = await modelarts.submit(_request(flavor_id=ONE_V100, SWITCHYARD_SIM_RUN_SECONDS="30"))
        await asyncio.sleep(0.4)  # well past creating_s + pending_s

        waiting = await modelarts.get(second.vendor_job_id)
        assert (waiting.status, waiting.raw_status, waiting.reason) == (JobStatus.QUEUED, "Pending", "Queuing")

        await modelarts.stop(first.vendor_job_id)
        started = await wait_for_job(modelarts, second.vendor_job_id, lambda job: job.status is JobStatus.RUNNING)
        stopped = await modelarts.get(first.vendor_job_id)
        assert stopped.finished_at is not None and started.started_at is not None
        assert started.started_at >= stopped.finished_at
    finally:
        await modelarts.aclose()


@pytest.mark.parametrize("offset_mode", ["page", "record"])
async def test_list_active_pages_through_every_job(start_sim: StartSim, offset_mode: str) -> None:
    sim = start_sim(search_offset_mode=offset_mode)
    modelarts = ModelArtsAdapter(sim.settings())
    try:
        submitted = {
            (await modelarts.submit(_request(SWITCHYARD_SIM_RUN_SECONDS="60"))).vendor_job_id for _ in range(60)
        }
        active = await modelarts.list_active()
    finally:
        await modelarts.aclose()
    assert {job.vendor_job_id for job in active} == submitted
    assert len(active) == len(submitted)


# --------------------------------------------------------------------------- errors


async def test_get_unknown_job_is_not_found(adapter: ModelArtsAdapter) -> None:
    with pytest.raises(NotFound) as caught:
        await adapter.get(str(uuid.uuid4()))
    assert (caught.value.code, caught.value.http_status) == ("ModelArts.2775", 400)


async def test_unknown_flavor_is_invalid_request(adapter: ModelArtsAdapter) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await adapter.submit(_request(flavor_id="modelarts.vm.nope"))
    assert caught.value.code == "ModelArts.2781"


async def test_sold_out_flavor_is_capacity_unavailable(adapter: ModelArtsAdapter, sim: ModelArtsSim) -> None:
    sim.put_faults(sold_out=[CPU])
    with sim.client() as client:
        assert client.get("/_sim/faults").json()["sold_out"] == [CPU]
    with pytest.raises(CapacityUnavailable) as caught:
        await adapter.submit(_request())
    assert caught.value.code == "ModelArts.6716"
    await adapter.submit(_request(flavor_id=ONE_V100, SWITCHYARD_SIM_RUN_SECONDS="0"))  # others still sell


async def test_throttling_is_rate_limited_with_retry_after(adapter: ModelArtsAdapter, sim: ModelArtsSim) -> None:
    sim.put_faults(throttle_rate=1.0)
    with pytest.raises(RateLimited) as caught:
        await adapter.list_flavors()
    assert (caught.value.code, caught.value.http_status, caught.value.retry_after_s) == ("ModelArts.2799", 429, 1.0)


async def test_server_errors_are_vendor_unavailable(adapter: ModelArtsAdapter, sim: ModelArtsSim) -> None:
    await adapter.list_flavors()  # token in hand, so the fault hits the ModelArts call itself
    sim.put_faults(error_rate=1.0)
    with pytest.raises(VendorUnavailable) as caught:
        await adapter.list_flavors()
    assert (caught.value.code, caught.value.http_status) == ("ModelArts.0010", 500)


async def test_outage_is_vendor_unavailable(adapter: ModelArtsAdapter, sim: ModelArtsSim) -> None:
    sim.put_faults(down=True)
    with pytest.raises(VendorUnavailable) as caught:
        await adapter.list_flavors()
    assert caught.value.http_status == 503


async def test_unreachable_vendor_is_vendor_unavailable(sim: ModelArtsSim) -> None:
    with socket.socket() as unused:  # bound, never listening: connections are refused
        unused.bind(("127.0.0.1", 0))
        modelarts = ModelArtsAdapter(sim.settings(endpoint=f"http://127.0.0.1:{unused.getsockname()[1]}"))
        try:
            with pytest.raises(VendorUnavailable):
                await modelarts.list_flavors()
        finally:
            await modelarts.aclose()


async def test_wrong_password_is_auth_failed(sim: ModelArtsSim) -> None:
    modelarts = ModelArtsAdapter(sim.settings(password="not-the-password"))
    try:
        with pytest.raises(AuthFailed) as caught:
            await modelarts.list_flavors()
    finally:
        await modelarts.aclose()
    assert caught.value.http_status == 401


# --------------------------------------------------------------------------- tokens


async def test_expired_token_is_refreshed(start_sim: StartSim) -> None:
    sim = start_sim(token_ttl_s=1.0)
    raw_token = sim.raw_token()
    modelarts = ModelArtsAdapter(sim.settings())
    try:
        await modelarts.list_flavors()
        await asyncio.sleep(1.1)
        assert await modelarts.list_flavors()
    finally:
        await modelarts.aclose()

    with sim.client(raw_token) as client:
        response = client.get(f"/v2/{sim.project_id}/training-job-flavors")
    assert response.status_code == 401
    assert response.json()["error_code"] == "ModelArts.0202"


async def test_token_rejected_by_vendor_is_refreshed_and_call_retried(
    adapter: ModelArtsAdapter, sim: ModelArtsSim
) -> None:
    await adapter.list_flavors()
    # Server-side expiry the adapter cannot foresee: its next call gets 401 ModelArts.0202.
    with sim.client() as client:
        assert client.post("/_sim/tokens/expire").status_code == 204
    assert await adapter.list_flavors()


async def test_raw_auth_errors(sim: ModelArtsSim) -> None:
    path = f"/v2/{sim.project_id}/training-job-flavors"
    with sim.client() as client:
        assert client.get(path).json()["error_code"] == "ModelArts.0201"
    with sim.client("not-a-token") as client:
        response = client.get(path)
        assert (response.status_code, response.json()["error_code"]) == (401, "ModelArts.0203")
    with sim.client(sim.raw_token()) as client:
        response = client.get(f"/v2/{uuid.uuid4().hex}/training-job-flavors")
        assert (response.status_code, response.json()["error_code"]) == (403, "ModelArts.0210")


async def test_deleted_job_is_gone(adapter: ModelArtsAdapter, sim: ModelArtsSim) -> None:
    job = await adapter.submit(_request(SWITCHYARD_SIM_RUN_SECONDS="30"))
    with sim.client(sim.raw_token()) as client:
        response = client.delete(f"/v2/{sim.project_id}/training-jobs/{job.vendor_job_id}")
    assert (response.status_code, response.content) == (202, b"")
    with pytest.raises(NotFound):
        await adapter.get(job.vendor_job_id)
    assert await adapter.find_by_name(job.name) is None


async def test_fault_draws_repeat_after_reseeding(sim: ModelArtsSim) -> None:
    def statuses() -> list[int]:
        sim.put_faults(error_rate=0.5, seed=7)
        with sim.client(token) as client:
            return [client.get(f"/v2/{sim.project_id}/training-job-flavors").status_code for _ in range(12)]

    token = sim.raw_token()
    first = statuses()
    assert set(first) == {200, 500}
    assert statuses() == first
