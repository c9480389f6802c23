"""A Qizhi training job on two instances reading a dataset: `framework_config[].instance_count`, one node per
instance once it starts, `dataset_info` as the document writes it, and the configured bound on instances."""

import dataclasses

import pytest

from contracts.data import DataMount
from services.vendors import InvalidRequest
from services.vendors.qizhi import QizhiAdapter
from tests.contract.qizhi.case import QizhiSim, request
from tests.contract.support import is_running, wait_for_job

pytestmark = pytest.mark.asyncio


async def test_specs_say_the_most_instances_a_job_takes(adapter: QizhiAdapter, sim: QizhiSim) -> None:
    assert {f.max_nodes for f in await adapter.list_flavors()} == {sim.config.capacity}


async def test_a_two_instance_job_reads_its_dataset(adapter: QizhiAdapter, sim: QizhiSim) -> None:
    data = DataMount(name="data", uri="qizhi-dataset://ds-42@v3/train", mount="/data")
    job = await adapter.submit(dataclasses.replace(request(node_count=2, SWITCHYARD_SIM_RUN_SECONDS="30"),
                                                   inputs=(data,)))
    await wait_for_job(adapter, job.vendor_job_id, is_running)
    raw = sim.post("/openapi/v1/train_job/detail", {"job_id": job.vendor_job_id}, sim.token()).json()["data"]
    assert raw["framework_config"][0]["instance_count"] == 2 and len(raw["node_infos"]) == 2
    assert raw["dataset_info"] == [{"dataset_id": "ds-42", "version_id": "v3", "path": "train"}]
    await adapter.stop(job.vendor_job_id)


async def test_an_output_has_nowhere_to_go_on_qizhi(adapter: QizhiAdapter) -> None:
    out = DataMount(name="out", uri="obs://bucket/out/", mount="/out")
    with pytest.raises(InvalidRequest, match="obs://bucket/out/"):
        await adapter.submit(dataclasses.replace(request(), outputs=(out,)))
