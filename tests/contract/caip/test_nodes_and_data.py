"""A CAIP training job on two workers reading a dataset volume and writing a model volume: `workerCount` and the
distributed communication type, `sampleVolumes`/`modelVolumes` as VolumeSources, and the flavor's replica bound."""

import dataclasses
import uuid

import pytest

from contracts.data import DataMount
from services.vendors import InvalidRequest
from services.vendors.caip import CaipAdapter
from tests.contract.caip.case import MLU370, CaipSim, request
from tests.contract.support import is_running, wait_for_job

pytestmark = pytest.mark.asyncio


def _volume(sim: CaipSim, kind: str) -> str:
    body = {"metadata": {"name": f"{kind}-{uuid.uuid4().hex[:6]}"},
            "spec": {"storageClassName": "managed-nfs-storage", "storageSize": 10}}
    with sim.client(sim.token()) as api:
        created = api.post(f"/namespace/{sim.namespace}/{kind}", json=body)
    assert created.status_code == 201, created.text
    return created.json()["id"]


async def test_flavors_say_the_most_workers_they_run(adapter: CaipAdapter, sim: CaipSim) -> None:
    with sim.client(sim.token()) as api:
        listed = {f["id"]: f["totalReplicas"] for f in api.get("/flavor").json()["items"] if "totalReplicas" in f}
    flavors = {f.flavor_id: f.max_nodes for f in await adapter.list_flavors()}
    assert flavors[MLU370] == listed[MLU370] > 1


async def test_a_two_worker_job_mounts_its_volumes(adapter: CaipAdapter, sim: CaipSim) -> None:
    dataset, model = _volume(sim, "dataset"), _volume(sim, "savedmodel")
    req = dataclasses.replace(
        request(node_count=2, SWITCHYARD_SIM_RUN_SECONDS="30"),
        inputs=(DataMount(name="data", uri=f"caip-volume://{dataset}", mount="/data"),),
        outputs=(DataMount(name="model", uri=f"caip-volume://{model}", mount="/out"),))
    job = await adapter.submit(req)
    with sim.client(sim.token()) as api:
        body = api.get(f"/namespace/{sim.namespace}/batch-trainingjob/{job.vendor_job_id}").json()
    assert body["spec"]["workerCount"] == 2 and body["communType"] != "standalone"
    assert [(v["id"], v["readOnly"]) for v in body["spec"]["sampleVolumes"]] == [(dataset, True)]
    assert [(v["id"], v["readOnly"]) for v in body["spec"]["modelVolumes"]] == [(model, False)]
    running = await wait_for_job(adapter, job.vendor_job_id, is_running)
    assert running.raw_status
    with sim.client(sim.token()) as api:
        sub = api.get(f"/namespace/{sim.namespace}/batch-trainingjob/{job.vendor_job_id}").json()["subJobs"]["items"][0]
    assert sub["status"]["minAvailable"] == 2 and sub["status"]["running"] == 2
    await adapter.stop(job.vendor_job_id)


async def test_a_volume_that_does_not_exist_is_refused(adapter: CaipAdapter) -> None:
    req = dataclasses.replace(request(), inputs=(DataMount(name="data", uri="caip-volume://missing", mount="/d"),))
    with pytest.raises(InvalidRequest, match="missing"):
        await adapter.submit(req)
