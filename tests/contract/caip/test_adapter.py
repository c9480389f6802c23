"""What only the CAIP adapter does, against the CAIP simulator over real HTTP (the contract every adapter holds:
tests/contract/test_adapter_contract.py): credits, paging, sub-jobs, names, prefixes, token renewal."""

import asyncio
from contextlib import aclosing
from decimal import Decimal

import httpx
import pytest

from contracts.status import JobStatus
from services.vendors import AuthFailed, CapacityUnavailable
from services.vendors.caip import CaipAdapter
from services.vendorsim.caip import LOGIN_PATH, default_flavor_id
from tests.contract.caip.case import MLU370, MLU370_X4, CaipSim, request
from tests.contract.support import StartSim, is_running, is_terminal, unique_name, wait_for_job



# --------------------------------------------------------------------------- flavors


async def test_flavors_are_normalized_and_priced(adapter: CaipAdapter) -> None:
    flavors = {flavor.flavor_id: flavor for flavor in await adapter.list_flavors()}
    by_name = {name: flavors.get(default_flavor_id(name)) for name in (
        "mlu370-x1", "mlu370-x4", "mlu370-x2-team", "mlu590-x1", "mlu590-x8", "cpu-16c64g")}  # fmt: skip
    assert all(by_name.values()) and len(flavors) == 6  # no half-card (VF) flavor, no disabled one
    summary = {name: (f.accelerator, f.count, f.cpu, f.memory_gb, f.price_per_hour) for name, f in by_name.items()}
    assert summary == {
        "mlu370-x1": ("mlu370", 1, 8, 32, 3_500_000),
        "mlu370-x4": ("mlu370", 4, 32, 128, 14_000_000),
        "mlu370-x2-team": ("mlu370", 2, 16, 64, 6_000_000),  # the project's own flavor
        "mlu590-x1": ("mlu590", 1, 12, 64, 9_000_000),
        "mlu590-x8": ("mlu590", 8, 96, 512, 72_000_000),
        "cpu-16c64g": ("cpu", 0, 16, 64, 4_800_000),
    }
    assert all(f.vendor == "caip" and f.available and f.kind == "training" for f in flavors.values())


async def test_credit_rate_is_a_setting(sim: CaipSim) -> None:
    async with aclosing(CaipAdapter(sim.settings(cny_per_credit=Decimal("0.85")))) as adapter:
        flavors = {flavor.flavor_id: flavor for flavor in await adapter.list_flavors()}
    assert flavors[MLU370].price_per_hour == 2_975_000


async def test_flavors_page_through(sim: CaipSim) -> None:
    async with aclosing(CaipAdapter(sim.settings(page_size=2))) as adapter:
        assert len(await adapter.list_flavors()) == 6


# --------------------------------------------------------------------------- job lifecycle


async def test_multi_node_job_runs_distributed(adapter: CaipAdapter, sim: CaipSim) -> None:
    job = await adapter.submit(request(node_count=2, SWITCHYARD_SIM_RUN_SECONDS="30"))
    with sim.client(sim.token()) as client:
        body = client.get(f"/namespace/{sim.namespace}/batch-trainingjob/{job.vendor_job_id}").json()
    assert (body["communType"], body["spec"]["workerCount"], body["trainingType"]) == ("pytorch", 2, "normal")
    assert body["spec"]["command"] == ["/bin/bash", "-c", "python train.py"]
    assert body["spec"]["executionCommand"] == "python train.py"
    assert body["subJobs"]["items"][0]["status"]["minAvailable"] == 2
    await adapter.stop(job.vendor_job_id)


async def test_without_the_look_up_a_taken_name_is_found_after_the_409(sim: CaipSim) -> None:
    adapter = CaipAdapter(sim.settings(find_name_before_create=False))
    req = request(SWITCHYARD_SIM_RUN_SECONDS="30")
    try:
        first = await adapter.submit(req)
        second = await adapter.submit(req)  # 409, then found by name
        assert second.vendor_job_id == first.vendor_job_id
        await adapter.stop(first.vendor_job_id)
    finally:
        await adapter.aclose()
    with sim.client(sim.token()) as client:
        listed = client.get(f"/namespace/{sim.namespace}/batch-trainingjob", params={"name": req.name})
    assert listed.json()["metadata"]["total"] == 1


async def test_without_unique_names_the_oldest_job_of_a_name_is_ours(start_sim: StartSim) -> None:
    sim = start_sim(unique_names=False)  # [INFER] uniqueness is not documented: a setting on both sides
    adapter = CaipAdapter(sim.settings())
    req = request(SWITCHYARD_SIM_RUN_SECONDS="30")
    try:
        first = await adapter.submit(req)
        assert (await adapter.submit(req)).vendor_job_id == first.vendor_job_id  # looked up, not created
        duplicate = {
            "metadata": {"name": req.name},
            "spec": {"image": req.image, "workerCount": 1, "flavorIDs": [MLU370], "command": ["true"]},
        }
        with sim.client(sim.token()) as client:
            assert client.post(f"/namespace/{sim.namespace}/batch-trainingjob", json=duplicate).status_code == 201
        found = await adapter.find_by_name(req.name)
        assert found is not None and found.vendor_job_id == first.vendor_job_id
    finally:
        await adapter.aclose()


async def test_stop_of_a_batch_job_stops_all_its_sub_jobs(adapter: CaipAdapter, sim: CaipSim) -> None:
    body = {
        "metadata": {"name": unique_name()},
        "trainingType": "batch",
        "spec": {
            "image": "harbor.example.com/caip/pytorch:1.13-mlu", "workerCount": 1, "flavorIDs": [MLU370],
            "command": ["/bin/bash", "-c", "python sweep.py"],
            "env": [{"name": "SWITCHYARD_SIM_RUN_SECONDS", "value": "30"}],
            "parameterSets": [{"LR": "0.1"}, {"LR": "0.01"}, {"LR": "0.001"}],
        },
    }  # fmt: skip
    with sim.client(sim.token()) as client:
        created = client.post(f"/namespace/{sim.namespace}/batch-trainingjob", json=body)
    assert created.status_code == 201, created.text
    job_id = created.json()["id"]
    await wait_for_job(adapter, job_id, is_running)

    await adapter.stop(job_id)
    stopped = await wait_for_job(adapter, job_id, is_terminal)
    assert (stopped.status, stopped.raw_status) == (JobStatus.STOPPED, "Aborted")
    with sim.client(sim.token()) as client:
        subs = client.get(f"/namespace/{sim.namespace}/batch-trainingjob/{job_id}").json()["subJobs"]
    assert subs["metadata"] == {"total": 3, "status": {"Aborted": 3}}


async def test_a_failed_sub_job_fails_the_batch_job(adapter: CaipAdapter, sim: CaipSim) -> None:
    body = {
        "metadata": {"name": unique_name()},
        "trainingType": "batch",
        "spec": {
            "image": "harbor.example.com/caip/pytorch:1.13-mlu", "workerCount": 1, "flavorIDs": [MLU370],
            "command": ["python", "sweep.py"], "env": [{"name": "SWITCHYARD_SIM_RUN_SECONDS", "value": "0.2"}],
            "parameterSets": [{}, {"SWITCHYARD_SIM_OUTCOME": "failed"}],
        },
    }  # fmt: skip
    with sim.client(sim.token()) as client:
        job_id = client.post(f"/namespace/{sim.namespace}/batch-trainingjob", json=body).json()["id"]
    done = await wait_for_job(adapter, job_id, is_terminal)
    assert (done.status, done.raw_status) == (JobStatus.FAILED, "Failed")
    assert done.reason is not None and done.reason.endswith("-1: 1 of 1 pods failed")


# --------------------------------------------------------------------------- errors


async def test_a_job_no_flavor_can_ever_host_is_capacity_unavailable(adapter: CaipAdapter) -> None:
    with pytest.raises(CapacityUnavailable) as caught:
        await adapter.submit(request(flavor_id=MLU370_X4, node_count=5))  # the pool has 4 replicas
    assert caught.value.http_status == 422


async def test_a_project_the_account_may_not_use_is_auth_failed(sim: CaipSim) -> None:
    async with aclosing(CaipAdapter(sim.settings(namespace="0" * 32))) as adapter:
        with pytest.raises(AuthFailed) as caught:
            await adapter.find_by_name("sy-anything")
    assert caught.value.http_status == 403


async def test_the_bare_compute_server_needs_no_prefix(sim: CaipSim) -> None:
    async with aclosing(CaipAdapter(sim.settings(api_prefix=""))) as adapter:
        assert len(await adapter.list_flavors()) == 6


# --------------------------------------------------------------------------- tokens


async def test_token_is_renewed_before_it_expires(start_sim: StartSim) -> None:
    sim = start_sim(token_ttl_s=1.0)  # renewed 10% before: after 0.9 s
    adapter = CaipAdapter(sim.settings())
    paths: list[str] = []

    async def record(request: httpx.Request) -> None:
        paths.append(request.url.path)

    adapter._client.event_hooks["request"].append(record)  # observe the adapter's own traffic
    try:
        await adapter.list_flavors()
        await asyncio.sleep(0.95)  # past the renewal point, before the expiry
        await adapter.list_flavors()
    finally:
        await adapter.aclose()
    assert paths == [LOGIN_PATH, "/api/compute/v2/flavor"] * 2  # no 401 on the way


def test_a_token_the_vendor_expired_is_refused_with_the_keystone_body(sim: CaipSim) -> None:
    old = sim.token()
    sim.expire_tokens()
    with sim.client(old) as client:
        response = client.get("/flavor")
    assert (response.status_code, response.json()) == (
        401, {"code": 401, "message": "The request you have made requires authentication."}
    )  # fmt: skip
