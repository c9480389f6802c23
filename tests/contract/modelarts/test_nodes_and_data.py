"""A ModelArts training job on several nodes with OBS data in and out: `node_count`, `algorithm.inputs`/`outputs`
as the document writes them, one task per node (`worker-0`, `worker-1`) with a log of its own, and `max_num`."""

import dataclasses

import pytest

from contracts.data import DataMount
from services.vendors import InvalidRequest
from services.vendors.modelarts import ModelArtsAdapter
from tests.contract.modelarts.case import ModelArtsSim, request
from tests.contract.support import is_running, is_terminal, wait_for_job

pytestmark = pytest.mark.asyncio

TWO_CARDS = "modelarts.bm.snt9.xlarge.2"  # max_num 2 in the simulator's catalogue
DATA = DataMount(name="data", uri="obs://train-bucket/imagenet/", mount="/data/imagenet")
CHECKPOINTS = DataMount(name="ckpt", uri="obs://train-bucket/runs/7/", mount="/data/out")
FETCHED = DataMount(name="vocab", uri="https://example.com/vocab.txt", mount="/data/vocab")


async def test_flavors_say_the_most_nodes_they_run(adapter: ModelArtsAdapter) -> None:
    flavors = {f.flavor_id: f.max_nodes for f in await adapter.list_flavors()}
    assert flavors[TWO_CARDS] == 2 and flavors["modelarts.vm.snt9.1card"] == 1


async def test_a_two_node_job_with_obs_data_runs_a_task_per_node(adapter: ModelArtsAdapter, sim: ModelArtsSim) -> None:
    req = dataclasses.replace(request(flavor_id=TWO_CARDS, node_count=2, SWITCHYARD_SIM_RUN_SECONDS="2"),
                              inputs=(DATA, FETCHED), outputs=(CHECKPOINTS,))
    job = await adapter.submit(req)
    with sim.client(sim.raw_token()) as client:
        body = client.get(f"/v2/{sim.project_id}/training-jobs/{job.vendor_job_id}").json()
    assert body["spec"]["resource"]["node_count"] == 2
    assert body["status"]["tasks"] == ["worker-0", "worker-1"]
    assert body["algorithm"]["inputs"] == [{"name": "data", "local_dir": "/data/imagenet",
                                            "remote": {"obs": {"obs_url": "/train-bucket/imagenet/"}}}]
    assert body["algorithm"]["outputs"] == [{"name": "ckpt", "local_dir": "/data/out",
                                             "remote": {"obs": {"obs_url": "/train-bucket/runs/7/"}}}]
    # No vendor fetches an https input: it reaches the job as environment variables.
    env = {key: value for pair in body["algorithm"]["environments"] for key, value in pair.items()}
    assert env["SWITCHYARD_INPUT_VOCAB_URL"] == FETCHED.uri and env["SWITCHYARD_INPUT_VOCAB_DIR"] == "/data/vocab"

    await wait_for_job(adapter, job.vendor_job_id, is_running)
    await wait_for_job(adapter, job.vendor_job_id, is_terminal, timeout_s=10)
    lines = await adapter.logs(job.vendor_job_id)
    assert {line.split(" ", 1)[0] for line in lines} == {"[worker-0]", "[worker-1]"}
    assert lines[0].startswith("[worker-0]") and lines[-1].startswith("[worker-1]")
    assert [line.split(" ", 1)[0] for line in await adapter.logs(job.vendor_job_id, tail_lines=2)] == [
        "[worker-0]", "[worker-1]"]


async def test_more_nodes_than_the_flavor_runs_is_refused(adapter: ModelArtsAdapter) -> None:
    with pytest.raises(InvalidRequest):
        await adapter.submit(request(flavor_id="modelarts.vm.snt9.1card", node_count=2))


async def test_data_held_by_another_vendor_is_refused_before_any_call(adapter: ModelArtsAdapter) -> None:
    elsewhere = DataMount(name="data", uri="caip-volume://vol-1", mount="/data")
    with pytest.raises(InvalidRequest, match="caip-volume://vol-1"):
        await adapter.submit(dataclasses.replace(request(), inputs=(elsewhere,)))
