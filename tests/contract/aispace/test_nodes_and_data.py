"""AI Space's nodes and data: a package runs a training job on one node (11.2 has no `workers`), an LLM task reads
the datasets its inputs name (`dataset_ids`, a JSON array as a string), and https inputs reach the job's env."""

import dataclasses
import json

import pytest

from contracts.data import DataMount
from services.vendors import InvalidRequest
from services.vendors.aispace import AISpaceAdapter
from tests.contract.aispace.case import ALPHA, AISpaceSim, package, request

pytestmark = pytest.mark.asyncio


async def test_a_package_runs_a_training_job_on_one_node(adapter: AISpaceAdapter) -> None:
    assert {f.max_nodes for f in await adapter.list_flavors()} == {1}


async def test_an_llm_task_reads_the_datasets_its_inputs_name(adapter: AISpaceAdapter, sim: AISpaceSim) -> None:
    datasets = (DataMount(name="train", uri="aispace-dataset://142", mount="/mnt/train"),
                DataMount(name="eval", uri="aispace-dataset://150", mount="/mnt/eval"))
    req = dataclasses.replace(request(package(sim, "calculate")["resourceId"], task="sft",
                                      SWITCHYARD_SIM_RUN_SECONDS="30"), inputs=datasets)
    job = await adapter.submit(req)
    row = await adapter._call("GET", f"{ALPHA}/maas_task_modelview/sft/api/{job.vendor_job_id.split(':')[1]}")
    assert json.loads(row["dataset_ids"]) == [142, 150] and row["workers"] == 1
    await adapter.stop(job.vendor_job_id)


async def test_a_training_job_gets_its_https_inputs_in_its_env(adapter: AISpaceAdapter, sim: AISpaceSim) -> None:
    fetched = DataMount(name="vocab", uri="https://example.com/vocab.txt", mount="/mnt/vocab")
    storage = DataMount(name="out", uri="aispace-storage://AIDP-store-1", mount="/mnt/out")
    req = dataclasses.replace(request(package(sim, "calculate")["resourceId"], SWITCHYARD_SIM_RUN_SECONDS="30"),
                              inputs=(fetched,), outputs=(storage,))
    job = await adapter.submit(req)
    row = await adapter._call("GET", f"{ALPHA}/maas_task_modelview/slm/api/{job.vendor_job_id.split(':')[1]}")
    envs = {e["key"]: e["value"] for e in json.loads(row["expand"])["trainWorkArgs"]["envs"]}
    assert envs["SWITCHYARD_INPUT_VOCAB_URL"] == fetched.uri and envs["SWITCHYARD_INPUT_VOCAB_DIR"] == "/mnt/vocab"
    await adapter.stop(job.vendor_job_id)


async def test_data_on_another_vendor_is_refused(adapter: AISpaceAdapter, sim: AISpaceSim) -> None:
    elsewhere = DataMount(name="data", uri="obs://bucket/data/", mount="/mnt/data")
    with pytest.raises(InvalidRequest, match="obs://bucket/data/"):
        await adapter.submit(dataclasses.replace(request(package(sim, "calculate")["resourceId"]),
                                                 inputs=(elsewhere,)))
