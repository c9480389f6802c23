"""How the Qizhi simulator refuses, the typed errors only Qizhi's adapter makes (the ones every adapter makes:
tests/contract/test_adapter_contract.py), and the adapter's limits."""

import asyncio
import socket
import time
from contextlib import aclosing

import httpx
import pytest

from services.vendors import (
    InvalidRequest,
    NotFound,
    RateLimited,
    VendorUnavailable,
)
from services.vendors.qizhi import QizhiAdapter
from tests.contract.qizhi.case import H100_1, QizhiSim, request
from tests.contract.support import StartSim

CREATE = "/openapi/v1/train_job/create"


def _create_body(sim: QizhiSim, **changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "name": "raw",
        "project_id": sim.config.project_id,
        "workspace_id": sim.config.workspace_id,
        "logic_compute_group_id": "lcg-303ac8c6-aa19-4284-af03-2296592326e5",
        "framework": "pytorch",
        "command": "python train.py",
        "task_priority": 4,
        "framework_config": [{"spec_id": H100_1, "image": "img:1", "instance_count": 1}],
    }
    return body | changes


# --------------------------------------------------------------------------- strict decoding (simulator)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"cpu_elastic_ratio": 1}, 'unknown field "cpu_elastic_ratio"'),
        (
            {"framework_config": [{"spec_id": H100_1, "image": "img:1", "instance_count": 1, "gpu": 8}]},
            'unknown field "gpu"',
        ),
        ({"envs": [{"name": "A", "value": "1", "secret": True}]}, 'unknown field "secret"'),
        ({"max_running_time_ms": 3600000}, "cannot unmarshal number into Go struct field train.JobOpenapi.max_running_time_ms of type string"),
        ({"task_priority": "4"}, "of type int"),
        ({"max_running_time_ms": "1h"}, "must be a string of digits"),
        ({"command": ""}, "command is required"),
        ({"framework_config": []}, "exactly one element"),
        ({"task_priority": 11}, "between 1 and 10"),
    ],
)
def test_create_refuses_unknown_fields_and_wrong_types(sim: QizhiSim, changes: dict, message: str) -> None:
    response = sim.post(CREATE, _create_body(sim, **changes), sim.token())
    assert response.status_code == 200
    assert response.json()["code"] == 100002
    assert message in response.json()["message"]


def test_detail_refuses_unknown_fields(sim: QizhiSim) -> None:
    response = sim.post("/openapi/v1/train_job/detail", {"job_id": "job-x", "id": "job-x"}, sim.token())
    assert response.json() == {"code": 100002, "message": '参数错误: json: unknown field "id"'}


def test_a_body_that_is_not_json_is_http_400_with_a_string(sim: QizhiSim) -> None:
    response = httpx.post(
        f"{sim.url}/openapi/v1/train_job/detail",
        content=b"{job_id:",
        headers={"Authorization": f"Bearer {sim.token()}", "Content-Type": "application/json"},
    )
    assert (response.status_code, response.text) == (400, "invalid request body")


# --------------------------------------------------------------------------- every mapped error (adapter)


async def test_priority_above_the_projects_cap_is_invalid_request(sim: QizhiSim) -> None:
    async with aclosing(QizhiAdapter(sim.settings(task_priority=sim.config.max_task_priority + 1))) as adapter:
        with pytest.raises(InvalidRequest) as caught:
            await adapter.submit(request())
    assert (caught.value.code, caught.value.message) == ("100002", "priority_too_high")


async def test_record_not_found_on_create_is_invalid_request(sim: QizhiSim) -> None:
    async with aclosing(QizhiAdapter(sim.settings(project_id="project-00000000-0000-0000-0000-000000000000"))) as adapter:
        with pytest.raises(InvalidRequest) as caught:
            await adapter.submit(request())
    assert "record not found" in caught.value.message


async def test_an_unknown_compute_group_is_not_found(sim: QizhiSim) -> None:
    async with aclosing(QizhiAdapter(sim.settings(logic_compute_group_ids=["lcg-nope"]))) as adapter:
        with pytest.raises(NotFound):
            await adapter.list_flavors()


async def test_throttling_is_rate_limited_and_the_adapter_backs_off(adapter: QizhiAdapter, sim: QizhiSim) -> None:
    await adapter.list_flavors()  # logged in
    sim.put_faults(throttle_rate=1.0)
    with pytest.raises(RateLimited) as caught:
        await adapter.get("job-x")
    assert (caught.value.http_status, caught.value.retry_after_s) == (429, 1.0)

    sim.put_faults()
    sim.reset_stats()
    with pytest.raises(RateLimited) as again:  # within the pause nothing goes out
        await adapter.get("job-x")
    assert again.value.retry_after_s is not None and 0 < again.value.retry_after_s <= 1.0
    assert sim.stats()["calls"] == {}
    await asyncio.sleep(again.value.retry_after_s)
    with pytest.raises(NotFound):  # after it, calls go out again
        await adapter.get("job-x")


async def test_a_create_whose_answer_is_lost_is_reported_as_unknown(adapter: QizhiAdapter, sim: QizhiSim) -> None:
    await adapter.list_flavors()
    sim.put_faults(error_rate=1.0)
    with pytest.raises(VendorUnavailable, match="may or may not have happened"):
        await adapter.submit(request())


async def test_no_connection_is_vendor_unavailable_and_certainly_created_nothing(sim: QizhiSim) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    async with aclosing(QizhiAdapter(sim.settings(endpoint=f"http://127.0.0.1:{closed_port}"))) as adapter:
        with pytest.raises(VendorUnavailable) as caught:
            await adapter.submit(request())
    assert "may or may not" not in caught.value.message


async def test_a_missing_route_is_vendor_unavailable_not_a_missing_job(sim: QizhiSim) -> None:
    async with aclosing(QizhiAdapter(sim.settings(endpoint=f"{sim.url}/not-here"))) as adapter:
        with pytest.raises(VendorUnavailable) as caught:
            await adapter.get("job-x")
    assert caught.value.http_status == 404


# --------------------------------------------------------------------------- the adapter's own limits


async def test_many_polls_stay_within_rate_and_concurrency(start_sim: StartSim) -> None:
    sim = start_sim()
    async with aclosing(QizhiAdapter(sim.settings(rate_per_s=40, rate_burst=5, concurrency=2))) as adapter:
        job = await adapter.submit(request(SWITCHYARD_SIM_RUN_SECONDS="30"))  # login, 2 spec lists, create
        sim.put_faults(latency_ms=20)
        sim.reset_stats()
        began = time.monotonic()
        seen = await asyncio.gather(*(adapter.get(job.vendor_job_id) for _ in range(45)))
        elapsed = time.monotonic() - began
        stats = sim.stats()
        await adapter.stop(job.vendor_job_id)
    assert {one.vendor_job_id for one in seen} == {job.vendor_job_id}
    assert stats["calls"] == {"/openapi/v1/train_job/detail": 45}  # one POST per poll, the token cached
    assert stats["max_in_flight"] <= 2
    # The bucket spent some tokens on the setup calls; 45 polls at 40/s need at least ~1 s.
    assert elapsed >= (45 - 5) / 40 - 0.05
