"""A training job's metrics through the ModelArts adapter, against the simulator over real HTTP on a clock the test
moves: one point a minute stamped from the job's start, the flavor's accelerator measured (a GPU's, not an NPU's),
a run's minutes kept once it ended; no metrics for notebooks; a deleted job's are gone."""

from contextlib import aclosing
from datetime import timedelta

import pytest

from contracts.status import JobStatus
from services.vendors import MetricsUnsupported, NotFound
from services.vendors.modelarts import ModelArtsAdapter
from tests.contract.modelarts.case import ONE_V100, request
from tests.contract.support import SimClock, StartSim, drive_until, is_running, is_terminal

pytestmark = pytest.mark.asyncio


async def test_a_gpu_jobs_metrics_have_a_point_per_started_minute_from_its_start(start_sim: StartSim) -> None:
    clock = SimClock()
    sim = start_sim(clock=clock)
    async with aclosing(ModelArtsAdapter(sim.settings())) as modelarts:
        job = await modelarts.submit(request(flavor_id=ONE_V100, SWITCHYARD_SIM_RUN_SECONDS="200"))
        assert await modelarts.metrics(job.vendor_job_id) == []  # [DOC] 204 NotReadyToFetchMetric before the start
        running = await drive_until(modelarts, job.vendor_job_id, is_running, clock)
        assert running.started_at is not None

        clock.advance(130)  # into the third minute
        series = {s.name: s for s in await modelarts.metrics(job.vendor_job_id)}
        assert set(series) == {"cpu_usage", "mem_usage", "gpu_util", "gpu_mem_usage"}  # no NPU on a V100
        start = running.started_at.replace(microsecond=(running.started_at.microsecond // 1000) * 1000)
        assert [t for t, _ in series["gpu_util"].points] == [start + timedelta(minutes=i) for i in range(3)]
        assert all(s.unit == "%" and all(0 <= v <= 100 for _, v in s.points) for s in series.values())

        done = await drive_until(modelarts, job.vendor_job_id, is_terminal, clock, step_s=5, limit_s=300)
        assert done.status is JobStatus.SUCCEEDED
        ended = {s.name: s for s in await modelarts.metrics(job.vendor_job_id)}
        assert len(ended["cpu_usage"].points) == 4  # 200 s: four started minutes, no more after the end
        assert ended["gpu_util"].points[:3] == series["gpu_util"].points  # a minute once measured stays

        clock.advance(600)
        assert await modelarts.metrics(job.vendor_job_id) == await modelarts.metrics(job.vendor_job_id)
        assert len((await modelarts.metrics(job.vendor_job_id))[0].points) == 4


async def test_notebooks_have_no_metrics_and_a_deleted_jobs_are_gone(adapter: ModelArtsAdapter) -> None:
    with pytest.raises(MetricsUnsupported) as caught:
        await adapter.metrics("any-notebook", "notebook")
    assert caught.value.vendor == "modelarts"

    job = await adapter.submit(request(SWITCHYARD_SIM_RUN_SECONDS="30"))
    await adapter.delete(job.vendor_job_id)
    with pytest.raises(NotFound):
        await adapter.metrics(job.vendor_job_id)
