"""What only the ModelArts adapter does, against the ModelArts simulator over real HTTP (the contract every adapter
holds: tests/contract/test_adapter_contract.py): configured prices, auto-stop hours, token lifetimes, delete."""

import asyncio
import uuid
from contextlib import aclosing

import pytest

from services.vendors import NotFound
from services.vendors.modelarts import ModelArtsAdapter
from tests.contract.modelarts.case import CPU, ONE_V100, ModelArtsSim, request
from tests.contract.support import StartSim

pytestmark = pytest.mark.asyncio


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
    async with aclosing(ModelArtsAdapter(sim.settings(prices={CPU: "3.20"}))) as modelarts:
        flavors = await modelarts.list_flavors()
    assert [flavor.flavor_id for flavor in flavors] == [CPU]


# --------------------------------------------------------------------------- jobs


async def test_max_runtime_becomes_auto_stop_in_hours(adapter: ModelArtsAdapter, sim: ModelArtsSim) -> None:
    job = await adapter.submit(request(max_runtime_s=5400, SWITCHYARD_SIM_RUN_SECONDS="30"))
    with sim.client(sim.raw_token()) as client:
        body = client.get(f"/v2/{sim.project_id}/training-jobs/{job.vendor_job_id}").json()
    assert body["spec"]["auto_stop"] == {"time_unit": "HOURS", "duration": 2}
    await adapter.stop(job.vendor_job_id)


# --------------------------------------------------------------------------- tokens


async def test_expired_token_is_refreshed(start_sim: StartSim) -> None:
    sim = start_sim(token_ttl_s=1.0)
    raw_token = sim.raw_token()
    async with aclosing(ModelArtsAdapter(sim.settings())) as modelarts:
        await modelarts.list_flavors()
        await asyncio.sleep(1.1)
        assert await modelarts.list_flavors()

    with sim.client(raw_token) as client:
        response = client.get(f"/v2/{sim.project_id}/training-job-flavors")
    assert response.status_code == 401
    assert response.json()["error_code"] == "ModelArts.0202"


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
    job = await adapter.submit(request(SWITCHYARD_SIM_RUN_SECONDS="30"))
    with sim.client(sim.raw_token()) as client:
        response = client.delete(f"/v2/{sim.project_id}/training-jobs/{job.vendor_job_id}")
    assert (response.status_code, response.content) == (202, b"")
    with pytest.raises(NotFound):
        await adapter.get(job.vendor_job_id)
    assert await adapter.find_by_name(job.name) is None
