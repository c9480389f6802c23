"""Qizhi specs and training jobs through the adapter, beyond the contract every adapter holds
(tests/contract/test_adapter_contract.py): flavors, the stages and the status table, run-time limits, idempotency
in process, capacity per spec."""

import asyncio
from contextlib import aclosing
from datetime import timedelta

import pytest

from contracts.status import JobStatus
from services.vendors import InvalidRequest
from services.vendors.qizhi import QizhiAdapter, StaticSpec
from tests.contract.qizhi.case import A100_1, A100_8, H100_1, H100_8, QizhiSim, request
from tests.contract.support import SimClock, StartSim, is_terminal, wait_for_job

# --------------------------------------------------------------------------- flavors


async def test_specs_are_flavors_with_exact_prices(adapter: QizhiAdapter) -> None:
    flavors = {flavor.flavor_id: flavor for flavor in await adapter.list_flavors()}

    assert set(flavors) == {H100_1, H100_8, A100_1, A100_8}
    one = flavors[H100_1]
    assert (one.vendor, one.accelerator, one.count, one.cpu, one.memory_gb) == ("qizhi", "nvidia-h100", 1, 12, 200)
    assert one.price_per_hour == 14_600_000  # 12 cpu × 0.05 + 1 × 12.0 + 200 GiB × 0.01, per instance-hour
    assert flavors[H100_8].price_per_hour == 117_000_000  # the digest's example
    assert (flavors[A100_8].accelerator, flavors[A100_8].count, flavors[A100_8].price_per_hour) == (
        "nvidia-a100",
        8,
        89_000_000,
    )
    assert flavors[A100_1].price_per_hour == 11_100_000
    assert all(isinstance(flavor.price_per_hour, int) and flavor.available for flavor in flavors.values())


async def test_static_specs_replace_the_spec_list(start_sim: StartSim) -> None:
    sim = start_sim()
    lcg = "lcg-303ac8c6-aa19-4284-af03-2296592326e5"
    spec = StaticSpec(
        spec_id=H100_1, logic_compute_group_id=lcg, accelerator="nvidia-h100", gpu_count=1, cpu=12, memory_gb=200,
        price_per_hour="14.6",
    )
    async with aclosing(QizhiAdapter(sim.settings(specs=[spec]))) as adapter:
        [flavor] = await adapter.list_flavors()
        assert (flavor.flavor_id, flavor.price_per_hour) == (H100_1, 14_600_000)
        job = await adapter.submit(request(SWITCHYARD_SIM_RUN_SECONDS="0.1"))
        assert job.status is JobStatus.QUEUED
    assert "/openapi/v1/specs/list" not in sim.stats()["calls"]


# --------------------------------------------------------------------------- lifecycle and the status table


async def test_job_runs_to_succeeded_through_every_stage(adapter: QizhiAdapter, sim: QizhiSim) -> None:
    submitted = await adapter.submit(request(SWITCHYARD_SIM_RUN_SECONDS="0.5", NCCL_DEBUG="INFO"))
    assert submitted.vendor_job_id.startswith("job-")
    assert (submitted.raw_status, submitted.status) == ("job_queuing", JobStatus.QUEUED)
    assert submitted.reason  # sub_msg: why it is queued
    assert submitted.created_at is not None and submitted.created_at.tzinfo is not None

    seen: list[tuple[str, JobStatus | None]] = []

    def record(job):  # every distinct (raw, normalized) pair on the way
        if not seen or seen[-1] != (job.raw_status, job.status):
            seen.append((job.raw_status, job.status))
        return is_terminal(job)

    done = await wait_for_job(adapter, submitted.vendor_job_id, record)
    assert seen == [
        ("job_queuing", JobStatus.QUEUED),
        ("job_creating", JobStatus.QUEUED),  # resources granted, not running (nor billed) yet
        ("job_running", JobStatus.RUNNING),
        ("job_succeeded", JobStatus.SUCCEEDED),
    ]
    assert done.started_at is not None and done.finished_at is not None
    assert done.created_at is not None and done.created_at < done.started_at
    assert (done.finished_at - done.started_at) == timedelta(milliseconds=500)
    assert done.reason is None

    raw = sim.post("/openapi/v1/train_job/detail", {"job_id": done.vendor_job_id}, sim.token()).json()["data"]
    assert set(raw["timeline"]) == {"created", "resource_prepared", "run", "finished"}
    assert raw["running_time_ms"] == "500" and raw["finished_at"] == raw["timeline"]["finished"]
    assert raw["envs"] == [{"name": "SWITCHYARD_SIM_RUN_SECONDS", "value": "0.5"}, {"name": "NCCL_DEBUG", "value": "INFO"}]
    assert (raw["framework"], raw["task_priority"], raw["name"]) == ("pytorch", 4, done.name)
    assert raw["framework_config"][0]["predef_id"] == H100_1


async def test_timeline_keys_appear_only_when_reached(start_sim: StartSim) -> None:
    clock = SimClock()  # the job moves on only when the test moves the clock
    sim = start_sim(clock=clock)
    config = sim.config
    async with aclosing(QizhiAdapter(sim.settings())) as adapter:
        job = await adapter.submit(request(SWITCHYARD_SIM_RUN_SECONDS="30"))
        token = sim.token()

        def timeline() -> set[str]:
            detail = sim.post("/openapi/v1/train_job/detail", {"job_id": job.vendor_job_id}, token).json()
            return set(detail["data"]["timeline"])

        assert timeline() == set()
        clock.advance(config.created_s)
        assert timeline() == {"created"}
        clock.advance(config.queue_s)
        assert timeline() == {"created", "resource_prepared"}
        clock.advance(config.creating_s)
        running = await wait_for_job(adapter, job.vendor_job_id, lambda seen: seen.status is JobStatus.RUNNING)
        assert running.started_at is not None and running.finished_at is None
        assert timeline() == {"created", "resource_prepared", "run"}
        await adapter.stop(job.vendor_job_id)
        assert timeline() == {"created", "resource_prepared", "run", "finished"}


async def test_a_job_that_fails_before_running_is_create_failed(adapter: QizhiAdapter) -> None:
    job = await adapter.submit(request(SWITCHYARD_SIM_RUN_SECONDS="0", SWITCHYARD_SIM_OUTCOME="failed"))
    done = await wait_for_job(adapter, job.vendor_job_id, is_terminal)
    assert (done.raw_status, done.status) == ("job_create_failed", JobStatus.FAILED)
    assert done.started_at is None and done.finished_at is not None


async def test_max_running_time_stops_the_job(adapter: QizhiAdapter, sim: QizhiSim) -> None:
    job = await adapter.submit(request(max_runtime_s=1, SWITCHYARD_SIM_RUN_SECONDS="30"))
    raw = sim.post("/openapi/v1/train_job/detail", {"job_id": job.vendor_job_id}, sim.token()).json()["data"]
    assert raw["max_running_time_ms"] == "1000"  # a string, in ms

    done = await wait_for_job(adapter, job.vendor_job_id, is_terminal)
    assert (done.raw_status, done.status) == ("job_stopped", JobStatus.STOPPED)
    assert done.started_at is not None and done.finished_at is not None
    assert done.finished_at - done.started_at == timedelta(seconds=1)
    assert done.reason and "max_running_time_ms 1000 reached" in done.reason


async def test_max_running_time_can_end_the_job_failed(start_sim: StartSim) -> None:
    sim = start_sim(timeout_status="job_failed")
    async with aclosing(QizhiAdapter(sim.settings())) as adapter:
        job = await adapter.submit(request(max_runtime_s=1, SWITCHYARD_SIM_RUN_SECONDS="30"))
        done = await wait_for_job(adapter, job.vendor_job_id, is_terminal)
    assert (done.raw_status, done.status) == ("job_failed", JobStatus.FAILED)


# --------------------------------------------------------------------------- idempotency


async def test_concurrent_submits_of_one_name_create_one_job(adapter: QizhiAdapter, sim: QizhiSim) -> None:
    req = request(SWITCHYARD_SIM_RUN_SECONDS="0.1")
    jobs = await asyncio.gather(*(adapter.submit(req) for _ in range(3)))
    assert len({job.vendor_job_id for job in jobs}) == 1
    assert sum(1 for job in sim.jobs() if job["name"] == req.name) == 1


async def test_a_fresh_adapter_learns_the_specs_group_before_creating(sim: QizhiSim) -> None:
    async with aclosing(QizhiAdapter(sim.settings())) as adapter:  # never listed flavors
        job = await adapter.submit(request(flavor_id=A100_1, SWITCHYARD_SIM_RUN_SECONDS="0.1"))
        assert job.status is JobStatus.QUEUED


# --------------------------------------------------------------------------- capacity


async def test_a_job_that_does_not_fit_waits_queued_and_says_why(start_sim: StartSim) -> None:
    sim = start_sim(capacity=2)
    async with aclosing(QizhiAdapter(sim.settings())) as adapter:
        first = await adapter.submit(request(node_count=2, SWITCHYARD_SIM_RUN_SECONDS="0.5"))
        await wait_for_job(adapter, first.vendor_job_id, lambda seen: seen.status is JobStatus.RUNNING)
        second = await adapter.submit(request(SWITCHYARD_SIM_RUN_SECONDS="0.2"))
        assert second.reason is not None and second.reason.startswith("资源不足，排队中")
        assert "空闲 0/2" in second.reason

        other_spec = await adapter.submit(request(flavor_id=H100_8, SWITCHYARD_SIM_RUN_SECONDS="0.1"))
        await wait_for_job(adapter, other_spec.vendor_job_id, is_terminal)  # capacity is per spec

        waiting = await adapter.get(second.vendor_job_id)
        assert (waiting.raw_status, waiting.status) == ("job_queuing", JobStatus.QUEUED)
        done_first = await wait_for_job(adapter, first.vendor_job_id, is_terminal)
        done_second = await wait_for_job(adapter, second.vendor_job_id, is_terminal)
        assert done_second.status is JobStatus.SUCCEEDED
        assert done_first.finished_at is not None and done_second.started_at is not None
        assert done_second.started_at > done_first.finished_at


async def test_more_instances_than_a_spec_has_is_invalid(adapter: QizhiAdapter, sim: QizhiSim) -> None:
    with pytest.raises(InvalidRequest, match="instance_count"):
        await adapter.submit(request(node_count=sim.config.capacity + 1))
