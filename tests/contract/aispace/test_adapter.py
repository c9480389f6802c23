"""What only the AI Space adapter does, against the simulator over real HTTP (the contract every adapter holds:
tests/contract/test_adapter_contract.py): packages as flavors, LLM tasks, notebooks, services, its job ids."""

import json
from contextlib import aclosing
from datetime import timedelta

import pytest

from contracts.status import JobStatus
from services.vendors import InvalidRequest, NotFound, QuotaExceeded, SubmitRequest, VendorJob
from services.vendors.aispace import AISpaceAdapter
from services.vendorsim.aispace.config import StartingPackage
from tests.contract.aispace.case import ALPHA, AISpaceSim, package, request
from tests.contract.support import SimClock, drive_until, is_running, is_terminal, unique_name, wait_for_job

pytestmark = pytest.mark.asyncio


async def settle(adapter: AISpaceAdapter, job: VendorJob, timeout_s: float = 5.0) -> VendorJob:
    return await wait_for_job(adapter, job.vendor_job_id, is_terminal, timeout_s, job.kind)


async def running(adapter: AISpaceAdapter, job: VendorJob) -> VendorJob:
    return await wait_for_job(adapter, job.vendor_job_id, is_running, kind=job.kind)


# --------------------------------------------------------------------------- flavors and packages


@pytest.mark.parametrize("kind", ["training", "notebook", "inference"])
async def test_flavors_are_the_projects_packages(adapter: AISpaceAdapter, sim: AISpaceSim, kind: str) -> None:
    flavors = {flavor.flavor_id: flavor for flavor in await adapter.list_flavors(kind)}  # type: ignore[arg-type]
    one = flavors[package(sim, "calculate")["resourceId"]]
    assert (one.vendor, one.accelerator, one.count, one.cpu, one.memory_gb) == ("aispace", "nvidia-h800", 1, 16, 100)
    assert one.price_per_hour == 30_000_000  # 6,000,000 fen / 2,000 node-hours = 30.00 CNY
    assert one.available and one.kind == kind
    two = flavors[package(sim, "calculate2H80050c")["resourceId"]]
    assert (two.count, two.price_per_hour) == (2, 58_000_000)
    cpu = flavors[package(sim, "standardCpu")["resourceId"]]
    assert (cpu.accelerator, cpu.count, cpu.price_per_hour) == ("cpu", 0, 4_500_000)


async def test_packages_not_bound_to_the_project_are_not_flavors(adapter: AISpaceAdapter, sim: AISpaceSim) -> None:
    from tests.contract.aispace.test_resources import by_order, purchase

    order = purchase(sim, "calculate", unique_name("loose"), total_fen=1000, rating_value=10)["data"]
    loose = by_order(sim, order)["resourceId"]
    assert loose in {p.resource_id for p in await adapter.packages()}
    assert loose not in {f.flavor_id for f in await adapter.list_flavors()}


async def test_an_exhausted_package_is_listed_unavailable_and_refuses_jobs(start_sim) -> None:  # type: ignore[no-untyped-def]
    sim = start_sim(amount_unit_s=0.05, packages=(StartingPackage("calculate", "tiny", 1, 2, 200),))
    async with aclosing(AISpaceAdapter(sim.settings())) as aispace:
        (flavor,) = await aispace.list_flavors()
        assert flavor.available and flavor.price_per_hour == 1_000_000  # 200 fen / 2 node-hours
        job = await aispace.submit(request(flavor.flavor_id, SWITCHYARD_SIM_RUN_SECONDS="0.5"))
        await settle(aispace, job)
        (spent,) = await aispace.packages()
        assert (spent.total_amount, spent.used_amount, spent.remaining_amount) == (2, 2, 0)
        (flavor,) = await aispace.list_flavors()
        assert not flavor.available
        with pytest.raises(QuotaExceeded):
            await aispace.submit(request(flavor.flavor_id))


# --------------------------------------------------------------------------- training jobs and LLM tasks


async def test_a_training_job_is_an_slm_row_with_its_environment_in_expand(adapter: AISpaceAdapter,
                                                                         sim: AISpaceSim) -> None:
    job = await adapter.submit(request(package(sim, "calculate")["resourceId"], SWITCHYARD_SIM_RUN_SECONDS="0.5"))
    assert job.vendor_job_id.startswith("slm:") and job.kind == "training"
    seen = await running(adapter, job)
    done = await settle(adapter, job)
    # Running: its phase change; ended, the row keeps only the launch (last_run_time, second precision) before it.
    assert done.started_at is not None and seen.started_at is not None
    assert done.started_at <= seen.started_at and seen.started_at - done.started_at < timedelta(seconds=2)
    row = await adapter._call("GET", f"{ALPHA}/maas_task_modelview/slm/api/{job.vendor_job_id.split(':')[1]}")
    assert json.loads(row["expand"])["trainWorkArgs"]["envs"] == [{"key": "SWITCHYARD_SIM_RUN_SECONDS", "value": "0.5"}]


async def test_a_task_pending_on_the_vendor_starts_when_it_runs_not_when_it_was_launched(start_sim) -> None:  # type: ignore[no-untyped-def]
    clock = SimClock()
    sim = start_sim(clock=clock, pending_s=90.0)
    async with aclosing(AISpaceAdapter(sim.settings())) as aispace:
        job = await aispace.submit(request(package(sim, "calculate")["resourceId"], SWITCHYARD_SIM_RUN_SECONDS="60"))
        launched = clock.now
        assert (await aispace.get(job.vendor_job_id)).status is JobStatus.QUEUED  # Pending: no start
        seen = await drive_until(aispace, job.vendor_job_id, is_running, clock, step_s=5.0, limit_s=300.0)
        assert seen.started_at is not None and seen.started_at.timestamp() >= launched + 90 - 1
        await aispace.stop(job.vendor_job_id)
        stopped = await aispace.get(job.vendor_job_id)
        assert stopped.status is JobStatus.STOPPED and stopped.started_at is None  # Terminated: no start of its own


async def test_a_task_terminated_while_pending_never_started(start_sim) -> None:  # type: ignore[no-untyped-def]
    sim = start_sim(clock=SimClock(), pending_s=90.0)
    async with aclosing(AISpaceAdapter(sim.settings())) as aispace:
        job = await aispace.submit(request(package(sim, "calculate")["resourceId"], task="sft"))
        await aispace.stop(job.vendor_job_id)
        stopped = await aispace.get(job.vendor_job_id)
        assert (stopped.status, stopped.started_at) == (JobStatus.STOPPED, None)
        assert stopped.finished_at is not None


@pytest.mark.parametrize("task", ["pt", "sft", "dpo", "rw", "ppo"])
async def test_llm_tasks_are_training_jobs_with_a_task(adapter: AISpaceAdapter, sim: AISpaceSim, task: str) -> None:
    job = await adapter.submit(
        request(package(sim, "calculate")["resourceId"], task=task, SWITCHYARD_SIM_RUN_SECONDS="0.2")
    )
    assert job.vendor_job_id.startswith(f"{task}:")
    done = await settle(adapter, job)
    assert done.status is JobStatus.SUCCEEDED
    found = await adapter.find_by_name(job.name)
    assert found is not None and found.vendor_job_id == job.vendor_job_id


async def test_a_retried_submission_creates_nothing_new(adapter: AISpaceAdapter, sim: AISpaceSim) -> None:
    req = request(package(sim, "calculate")["resourceId"], task="sft", SWITCHYARD_SIM_RUN_SECONDS="0.2")
    first = await adapter.submit(req)
    second = await adapter.submit(req)
    assert second.vendor_job_id == first.vendor_job_id


async def test_a_task_created_but_never_run_is_started_by_the_retry(adapter: AISpaceAdapter, sim: AISpaceSim) -> None:
    from services.vendors.aispace import wire

    req = request(package(sim, "calculate")["resourceId"], SWITCHYARD_SIM_RUN_SECONDS="0.2")
    # An earlier attempt created the job and died before maas_run.
    await adapter._call(
        "POST", f"{ALPHA}/maas_task_modelview/slm/api/", body=wire.training_job(req, adapter._settings)
    )
    job = await adapter.submit(req)
    assert job.status is JobStatus.QUEUED and job.raw_status == "Pending"
    assert (await settle(adapter, job)).status is JobStatus.SUCCEEDED


# --------------------------------------------------------------------------- notebooks and services


async def test_a_notebook_runs_until_stopped(adapter: AISpaceAdapter, sim: AISpaceSim) -> None:
    job = await adapter.submit(request(package(sim, "calculate")["resourceId"], kind="notebook"))
    assert job.vendor_job_id.startswith("notebook:") and job.status is JobStatus.QUEUED
    assert (
        await adapter.submit(request_named(job.name, package(sim, "calculate")["resourceId"]))
    ).vendor_job_id == job.vendor_job_id
    seen = await running(adapter, job)
    assert seen.started_at is not None
    await adapter.stop(job.vendor_job_id, "notebook")
    done = await adapter.get(job.vendor_job_id, "notebook")
    assert (done.raw_status, done.status) == ("Stopped", JobStatus.STOPPED)
    assert done.finished_at is not None and done.finished_at >= seen.started_at
    assert (await adapter.find_by_name(job.name, "notebook")) is not None


def request_named(name: str, flavor_id: str) -> SubmitRequest:
    return SubmitRequest(name=name, kind="notebook", image="image.ccos.io/switchyard/train:1", command=None, env={},
                         flavor_id=flavor_id)  # fmt: skip


async def test_a_service_is_created_found_deployed_and_cleared(adapter: AISpaceAdapter, sim: AISpaceSim) -> None:
    req = request(package(sim, "calculate")["resourceId"], kind="inference", MODEL_DIR="/mnt/model")
    job = await adapter.submit(req)
    assert job.vendor_job_id.startswith("service:")
    assert (job.raw_status, job.status) == ("online", JobStatus.RUNNING) and job.started_at is not None
    assert (await adapter.submit(req)).vendor_job_id == job.vendor_job_id
    row = await adapter._call("GET", f"{ALPHA}/inferenceservice_modelview/api/{job.vendor_job_id.split(':')[1]}")
    assert (row["images"], row["env"]) == (req.image, "MODEL_DIR=/mnt/model")
    await adapter.stop(job.vendor_job_id, "inference")
    done = await adapter.get(job.vendor_job_id, "inference")
    assert (done.raw_status, done.status) == ("offline", JobStatus.STOPPED) and done.finished_at is not None


# --------------------------------------------------------------------------- errors


async def test_ids_and_kinds_are_checked(adapter: AISpaceAdapter) -> None:
    with pytest.raises(InvalidRequest):
        await adapter.get("notebook:44", "training")
    with pytest.raises(InvalidRequest):
        await adapter.get("88")
    with pytest.raises(NotFound):
        await adapter.get("sft:999999")
    with pytest.raises(NotFound):
        await adapter.get("notebook:999999", "notebook")
    with pytest.raises(InvalidRequest):
        await adapter.submit(request("AIDP-x", task="lab"))


async def test_a_notebook_on_an_unknown_package_is_not_found(adapter: AISpaceAdapter) -> None:
    with pytest.raises(NotFound):
        await adapter.submit(request("AIDP-00000000000000000000000000000000", kind="notebook"))


async def test_a_read_path_the_deployment_lacks_is_invalid_request(sim: AISpaceSim) -> None:
    async with aclosing(AISpaceAdapter(sim.settings(notebook_read_path="/api/aidp/alpha/nowhere/api"))) as missing_read:
        with pytest.raises(InvalidRequest):  # a path the deployment lacks is not a vanished job
            await missing_read.get("notebook:44", "notebook")


async def test_an_unknown_project_has_no_flavors(sim: AISpaceSim) -> None:
    async with aclosing(AISpaceAdapter(sim.settings(project_id=999))) as aispace:
        with pytest.raises(InvalidRequest):
            await aispace.list_flavors()
