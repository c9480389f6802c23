"""Notebooks: the adapter's notebook kind, and the v1 notebook endpoints raw over HTTP, against the simulator."""

import asyncio
import base64
import uuid
from contextlib import aclosing
from functools import partial
from typing import Any

import httpx
import pytest

from contracts.status import JobStatus
from services.vendors import CapacityUnavailable, NotFound, RateLimited, SubmitRequest
from services.vendors.modelarts import ModelArtsAdapter
from tests.contract.modelarts.case import ModelArtsSim, error_code
from tests.contract.support import SimClock, StartSim, wait_for_job

GPU = "modelarts.vm.gpu.vnt1"
CPU = "modelarts.vm.cpu.2u"
DOC_IMAGE = "e1a07296-22a8-4f05-8bc8-e936c8e54090"  # the built-in image of the doc's examples

wait_notebook = partial(wait_for_job, kind="notebook")  # a notebook's state through the adapter


def _notebook(name: str | None = None, *, flavor_id: str = CPU, image: str = DOC_IMAGE, command: str | None = None,
              **fields: Any) -> SubmitRequest:
    return SubmitRequest(name=name or f"sy-{uuid.uuid4().hex}", kind="notebook", image=image, command=command,
                         env={}, flavor_id=flavor_id, **fields)


def _raw_body(**overrides: Any) -> dict[str, Any]:
    """The doc's create example (lower-case volume enums and all)."""
    return {"name": f"nb-{uuid.uuid4().hex[:8]}", "feature": "NOTEBOOK", "workspace_id": "0",
            "description": "api-test", "flavor": CPU, "image_id": DOC_IMAGE,
            "volume": {"category": "evs", "ownership": "managed", "capacity": 50}} | overrides


def _create(client: httpx.Client, sim: ModelArtsSim, **overrides: Any) -> dict[str, Any]:
    response = client.post(sim.v1("/notebooks"), json=_raw_body(**overrides))
    assert response.status_code == 200, response.text
    return response.json()


def _wait_raw(client: httpx.Client, sim: ModelArtsSim, notebook_id: str, *statuses: str) -> dict[str, Any]:
    return sim.wait_for(client, sim.v1(f"/notebooks/{notebook_id}"), lambda notebook: notebook["status"], *statuses)


# --------------------------------------------------------------------------- the adapter


@pytest.mark.asyncio
async def test_notebook_flavors_are_normalized_and_priced(either_adapter: ModelArtsAdapter,
                                                          sim: ModelArtsSim) -> None:
    flavors = {flavor.flavor_id: flavor for flavor in await either_adapter.list_flavors("notebook")}
    assert "modelarts.vm.cpu.free" not in flavors  # CodeLab (free, one per user) is not for hire
    gpu = flavors[GPU]
    assert (gpu.kind, gpu.accelerator, gpu.count, gpu.cpu, gpu.memory_gb) == ("notebook", "nvidia-v100", 1, 8, 64)
    assert gpu.price_per_hour == 26_000_000 and gpu.available
    ascend = flavors["modelarts.bm.snt9.xlarge.2"]
    assert (ascend.accelerator, ascend.count, ascend.memory_gb) == ("ascend-910b", 2, 192)
    assert (flavors[CPU].accelerator, flavors[CPU].count) == ("cpu", 0)

    sim.put_faults(sold_out=[GPU])
    flavors = {flavor.flavor_id: flavor for flavor in await either_adapter.list_flavors("notebook")}
    assert not flavors[GPU].available and flavors[CPU].available


@pytest.mark.asyncio
@pytest.mark.parametrize("auth", ["token", "aksk"])
async def test_notebook_runs_until_we_stop_it(start_sim: StartSim, auth: str) -> None:
    clock = SimClock()  # STOPPING is read while the notebook is surely still stopping
    sim = start_sim(clock=clock)
    async with aclosing(ModelArtsAdapter(sim.settings(auth=auth))) as modelarts:
        request = _notebook(flavor_id=GPU, image="swr.cn-north-4.myhuaweicloud.com/team/lab:1.0", storage_gb=20,
                            max_runtime_s=5400, command="pip install -r requirements.txt")
        submitted = await modelarts.submit(request)
        assert (submitted.kind, submitted.status, submitted.raw_status) == ("notebook", JobStatus.QUEUED, "CREATING")

        with sim.client(sim.raw_token()) as client:
            raw = client.get(sim.v1(f"/notebooks/{submitted.vendor_job_id}")).json()
        assert raw["volume"] == {"category": "EVS", "ownership": "MANAGED", "capacity": 20,
                                 "mount_path": "/home/ma-user/work/"}
        lease = raw["lease"]
        assert lease["create_at"] + lease["duration"] == pytest.approx(raw["create_at"] + 5_400_000, abs=2)
        hook = raw["hooks"]["container_hooks"]["post_start"]
        assert hook["type"] == "COMMAND" and base64.b64decode(hook["script"]) == b"pip install -r requirements.txt"
        assert raw["image"]["swr_path"] == request.image

        clock.advance(sim.config.notebook_start_s)
        running = await wait_notebook(modelarts, submitted.vendor_job_id, lambda job: job.status is JobStatus.RUNNING)
        assert running.started_at is not None and running.finished_at is None and running.reason is None
        active = {job.vendor_job_id: job for job in await modelarts.list_active()}
        assert active[submitted.vendor_job_id].kind == "notebook"

        await modelarts.stop(submitted.vendor_job_id, "notebook")
        stopping = await modelarts.get(submitted.vendor_job_id, "notebook")
        assert (stopping.raw_status, stopping.status) == ("STOPPING", JobStatus.RUNNING)
        await modelarts.stop(submitted.vendor_job_id, "notebook")  # while STOPPING
        clock.advance(sim.config.terminating_s)
        stopped = await wait_notebook(modelarts, submitted.vendor_job_id, lambda job: job.raw_status == "STOPPED")
        assert stopped.status is JobStatus.STOPPED and stopped.reason is None  # we stopped it, not the lease
        assert stopped.finished_at is not None and stopped.finished_at > running.started_at
        await modelarts.stop(submitted.vendor_job_id, "notebook")  # already stopped
        assert submitted.vendor_job_id not in {job.vendor_job_id for job in await modelarts.list_active()}

        await modelarts.delete(submitted.vendor_job_id, "notebook")
        clock.advance(sim.config.terminating_s)
        deleted = await wait_notebook(modelarts, submitted.vendor_job_id, lambda job: job.raw_status == "DELETED")
        assert deleted.status is JobStatus.STOPPED
        await modelarts.delete(submitted.vendor_job_id, "notebook")  # gone already: fine


@pytest.mark.asyncio
async def test_submit_is_idempotent_by_name_and_images_are_registered_once(adapter: ModelArtsAdapter,
                                                                           sim: ModelArtsSim) -> None:
    image = f"swr.cn-north-4.myhuaweicloud.com/team/idem-{uuid.uuid4().hex[:6]}:2"
    request = _notebook(image=image)
    first = await adapter.submit(request)
    second = await adapter.submit(request)
    assert second.vendor_job_id == first.vendor_job_id
    found = await adapter.find_by_name(request.name, "notebook")
    assert found is not None and found.vendor_job_id == first.vendor_job_id
    assert await adapter.find_by_name(f"sy-{uuid.uuid4().hex}", "notebook") is None

    async with aclosing(ModelArtsAdapter(sim.settings())) as other:  # a fresh adapter finds the registered image
        await other.submit(_notebook(image=image))
    with sim.client(sim.raw_token()) as client:
        images = client.get(sim.v1("/images"), params={"name": image.rsplit("/", 1)[1].split(":")[0]}).json()
    assert [item["swr_path"] for item in images["data"]] == [image]
    assert images["data"][0]["type"] == "DEDICATED"


@pytest.mark.asyncio
async def test_lease_end_stops_the_notebook_with_a_reason(start_sim: StartSim) -> None:
    sim = start_sim(lease_scale=0.01)  # a 60 s lease lasts 0.6 s
    async with aclosing(ModelArtsAdapter(sim.settings(auth="aksk"))) as modelarts:
        job = await modelarts.submit(_notebook(max_runtime_s=60))
        await wait_notebook(modelarts, job.vendor_job_id, lambda seen: seen.status is JobStatus.RUNNING)
        stopped = await wait_notebook(modelarts, job.vendor_job_id, lambda seen: seen.raw_status == "STOPPED")
    assert stopped.status is JobStatus.STOPPED
    assert stopped.reason is not None and "lease ran out" in stopped.reason
    assert stopped.finished_at is not None


@pytest.mark.asyncio
async def test_notebook_waits_for_a_slot_and_cancelling_it_deletes_it(start_sim: StartSim) -> None:
    sim = start_sim(capacity=1)
    async with aclosing(ModelArtsAdapter(sim.settings())) as modelarts:
        first = await modelarts.submit(_notebook(flavor_id=GPU))
        await wait_notebook(modelarts, first.vendor_job_id, lambda job: job.status is JobStatus.RUNNING)
        second = await modelarts.submit(_notebook(flavor_id=GPU))
        await asyncio.sleep(0.3)  # well past notebook_start_s
        waiting = await modelarts.get(second.vendor_job_id, "notebook")
        assert (waiting.status, waiting.raw_status) == (JobStatus.QUEUED, "CREATING")
        with sim.client(sim.raw_token()) as client:
            progress = client.get(sim.v1(f"/notebooks/{second.vendor_job_id}")).json()["action_progress"]
        assert [step["status"] for step in progress] == ["COMPLETED", "WAITING", "WAITING", "WAITING"]

        await modelarts.stop(second.vendor_job_id, "notebook")  # [DOC] 6306: a starting instance is deleted
        gone = await wait_notebook(modelarts, second.vendor_job_id, lambda job: job.raw_status == "DELETED")
        assert gone.status is JobStatus.STOPPED
        # The freed queue place lets a third one through as soon as the first stops.
        third = await modelarts.submit(_notebook(flavor_id=GPU))
        await modelarts.stop(first.vendor_job_id, "notebook")
        await wait_notebook(modelarts, third.vendor_job_id, lambda job: job.status is JobStatus.RUNNING)


@pytest.mark.asyncio
async def test_notebook_errors_are_typed(adapter: ModelArtsAdapter, sim: ModelArtsSim) -> None:
    sim.put_faults(sold_out=[CPU])
    with pytest.raises(CapacityUnavailable) as sold_out:
        await adapter.submit(_notebook())
    assert sold_out.value.code == "ModelArts.6329"
    sim.put_faults()
    with pytest.raises(NotFound) as missing:
        await adapter.get(str(uuid.uuid4()), "notebook")
    assert (missing.value.code, missing.value.http_status) == ("ModelArts.6309", 400)  # [DOC] not-found as 400
    sim.put_faults(throttle_rate=1.0)
    with pytest.raises(RateLimited) as throttled:
        await adapter.list_flavors("notebook")
    assert (throttled.value.code, throttled.value.http_status, throttled.value.retry_after_s) == (
        "ModelArts.6101", 429, 1.0)


# --------------------------------------------------------------------------- raw endpoints


def test_create_get_and_both_lists(client: httpx.Client, sim: ModelArtsSim) -> None:
    tag = uuid.uuid4().hex[:6]
    created = [_create(client, sim, name=f"list-{tag}-{index}") for index in range(3)]
    assert created[0]["status"] == "CREATING" and created[0]["lease"]["type"] == "TIMING"
    assert created[0]["lease"]["duration"] == 3_600_000  # [DOC] the default lease is 1 h
    fetched = client.get(sim.v1(f"/notebooks/{created[0]['id']}")).json()
    assert fetched["volume"]["category"] == "EVS" and fetched["user"]["name"] == sim.config.username

    for path in ("/notebooks", "/notebooks/all"):
        page = client.get(sim.v1(path), params={"name": f"list-{tag}", "limit": 2}).json()
        assert (page["total"], page["size"], page["pages"], page["current"]) == (3, 2, 2, 1)
        assert [item["name"] for item in page["data"]] == [f"list-{tag}-2", f"list-{tag}-1"]  # [DOC] DESC
        rest = client.get(sim.v1(path), params={"name": f"list-{tag}", "limit": 2, "offset": 2}).json()
        assert [item["name"] for item in rest["data"]] == [f"list-{tag}-0"] and rest["current"] == 2
    ascending = client.get(sim.v1("/notebooks"), params={"name": f"list-{tag}", "sort_dir": "ASC",
                                                         "sort_key": "name"}).json()
    assert [item["name"] for item in ascending["data"]] == [f"list-{tag}-{index}" for index in range(3)]
    assert client.get(sim.v1("/notebooks"), params={"name": f"list-{tag}", "status": "STOPPED"}).json()["total"] == 0
    assert client.get(sim.v1("/notebooks"), params={"name": f"list-{tag}", "feature": "DEFAULT"}).json()["total"] == 0
    assert client.get(sim.v1("/notebooks")).json()["size"] == 10  # [DOC] 10 per page by default
    assert error_code(client.get(sim.v1("/notebooks"), params={"sort_key": "flavour"})) == (400, "ModelArts.6303")


def test_create_is_validated(client: httpx.Client, sim: ModelArtsSim) -> None:
    cases = {
        "ModelArts.6335": _raw_body(volume=None),
        "ModelArts.6323": _raw_body(flavor="modelarts.vm.cpu.64u"),
        "ModelArts.6797": _raw_body(image_id=str(uuid.uuid4())),
        "ModelArts.6331": _raw_body(volume={"category": "EVS", "ownership": "MANAGED", "capacity": 5000}),
        "ModelArts.6324": _raw_body(volume={"category": "OBS", "ownership": "MANAGED"}),
        "ModelArts.6334": _raw_body(name="no spaces"),
        "ModelArts.6870": _raw_body(flavor="modelarts.vm.cpu.free"),
        "ModelArts.6349": _raw_body(duration=1000 * 3600 * 24 * 365),
        "ModelArts.6346": _raw_body(lease={"duration": 0}),
        "ModelArts.6330": _raw_body(flavor="modelarts.bm.snt9.xlarge.2"),  # a CPU/GPU image on Ascend
    }
    for code, body in cases.items():
        response = client.post(sim.v1("/notebooks"), json={k: v for k, v in body.items() if v is not None})
        assert error_code(response) == (400, code), body


def test_init_shows_when_configured(start_sim: StartSim) -> None:
    clock = SimClock()
    sim = start_sim(notebook_init_s=0.3, clock=clock)
    with sim.client(sim.raw_token()) as client:
        notebook = _create(client, sim)
        assert notebook["status"] == "INIT"
        clock.advance(sim.config.notebook_init_s + sim.config.notebook_start_s / 2)  # half-way through CREATING
        assert client.get(sim.v1(f"/notebooks/{notebook['id']}")).json()["status"] == "CREATING"
        clock.advance(sim.config.notebook_start_s)
        _wait_raw(client, sim, notebook["id"], "RUNNING")


def test_actions_in_the_wrong_state_are_refused(start_sim: StartSim) -> None:
    clock = SimClock()  # each refusal is asked for while the notebook is surely in the state it names
    sim = start_sim(clock=clock)
    with sim.client(sim.raw_token()) as client:
        notebook = _create(client, sim)
        base = sim.v1(f"/notebooks/{notebook['id']}")
        assert error_code(client.post(f"{base}/stop")) == (400, "ModelArts.6306")  # still creating
        clock.advance(sim.config.notebook_start_s)
        _wait_raw(client, sim, notebook["id"], "RUNNING")
        assert error_code(client.post(f"{base}/start")) == (400, "ModelArts.6305")
        assert error_code(client.delete(base)) == (400, "ModelArts.6304")
        assert error_code(client.put(base, json={"description": "x"})) == (400, "ModelArts.6347")
        assert client.post(f"{base}/stop").json()["status"] == "STOPPING"
        assert error_code(client.post(f"{base}/stop")) == (400, "ModelArts.6308")
        assert error_code(client.patch(f"{base}/lease", json={"duration": 3_600_000})) == (400, "ModelArts.6327")
        clock.advance(sim.config.terminating_s)
        _wait_raw(client, sim, notebook["id"], "STOPPED")
        assert error_code(client.post(f"{base}/stop")) == (400, "ModelArts.6307")
        assert client.delete(base).json()["status"] == "DELETING"
        assert error_code(client.delete(base)) == (400, "ModelArts.6357")
        clock.advance(sim.config.terminating_s)
        assert _wait_raw(client, sim, notebook["id"], "DELETED")["status"] == "DELETED"
        assert notebook["id"] not in {item["id"] for item in client.get(sim.v1("/notebooks"), params={"limit": 500})
                                      .json()["data"]}
        missing = client.get(sim.v1(f"/notebooks/{uuid.uuid4()}"))
        assert error_code(missing) == (400, "ModelArts.6309")  # [DOC] not-found as HTTP 400


def test_update_only_while_stopped(client: httpx.Client, sim: ModelArtsSim) -> None:
    notebook = _create(client, sim)
    base = sim.v1(f"/notebooks/{notebook['id']}")
    _wait_raw(client, sim, notebook["id"], "RUNNING")
    client.post(f"{base}/stop")
    _wait_raw(client, sim, notebook["id"], "STOPPED")

    switchable = client.get(f"{base}/flavors").json()
    assert {item["id"] for item in switchable["flavors"]} == {"modelarts.vm.cpu.8u", GPU}
    updated = client.put(base, json={"name": "renamed", "description": "updated", "flavor": GPU,
                                     "storage_new_size": 80})
    assert updated.status_code == 200, updated.text
    body = updated.json()
    assert (body["name"], body["description"], body["flavor"], body["volume"]["capacity"]) == (
        "renamed", "updated", GPU, 80)
    assert error_code(client.put(base, json={"storage_new_size": 60})) == (400, "ModelArts.6331")  # no shrinking
    assert error_code(client.put(base, json={"flavor": "modelarts.bm.snt9.xlarge.2"})) == (400, "ModelArts.6792")
    assert error_code(client.put(base, json={"description": "a/b"})) == (400, "ModelArts.6334")


def test_start_with_a_duration_and_the_lease(client: httpx.Client, sim: ModelArtsSim) -> None:
    notebook = _create(client, sim)
    base = sim.v1(f"/notebooks/{notebook['id']}")
    _wait_raw(client, sim, notebook["id"], "RUNNING")
    stopping = client.post(f"{base}/stop").json()
    # [DOC] the stop example resets the lease to one hour from the stop.
    assert stopping["lease"]["create_at"] + stopping["lease"]["duration"] == pytest.approx(
        stopping["lease"]["update_at"] + 3_600_000, abs=2)
    _wait_raw(client, sim, notebook["id"], "STOPPED")

    started = client.post(f"{base}/start", params={"duration": 7_200_000, "type": "timing"})
    assert started.status_code == 200 and started.json()["status"] == "STARTING"
    lease = started.json()["lease"]
    assert lease["create_at"] == notebook["lease"]["create_at"]  # counts from the instance's creation
    assert lease["create_at"] + lease["duration"] == pytest.approx(lease["update_at"] + 7_200_000, abs=2)
    _wait_raw(client, sim, notebook["id"], "RUNNING")

    assert client.get(f"{base}/lease").json() == client.get(base).json()["lease"]
    renewed = client.patch(f"{base}/lease", params={"duration": 600_000}, json={"duration": 9_000_000})
    assert renewed.status_code == 200  # [DOC] the query wins over the body
    assert renewed.json()["create_at"] + renewed.json()["duration"] == pytest.approx(
        renewed.json()["update_at"] + 600_000, abs=2)
    by_body = client.patch(f"{base}/lease", json={"duration": 1_800_000, "type": "timing"}).json()
    assert by_body["create_at"] + by_body["duration"] == pytest.approx(by_body["update_at"] + 1_800_000, abs=2)
    assert error_code(client.patch(f"{base}/lease", json={})) == (400, "ModelArts.6348")
    assert error_code(client.patch(f"{base}/lease", json={"duration": 10**12})) == (400, "ModelArts.6349")
    assert error_code(client.patch(f"{base}/lease", json={"duration": -5})) == (400, "ModelArts.6346")


def test_saving_an_image_snapshots_the_notebook(client: httpx.Client, sim: ModelArtsSim) -> None:
    notebook = _create(client, sim)
    base = sim.v1(f"/notebooks/{notebook['id']}")
    _wait_raw(client, sim, notebook["id"], "RUNNING")
    image = client.post(f"{base}/create-image", json={"name": "saved", "namespace": "team", "tag": "v1"}).json()
    assert (image["status"], image["origin"], image["type"]) == ("INIT", "IMAGE_SAVE", "DEDICATED")
    assert client.get(base).json()["status"] == "SNAPSHOTTING"
    assert error_code(client.post(f"{base}/stop")) == (400, "ModelArts.6357")
    _wait_raw(client, sim, notebook["id"], "RUNNING")
    assert client.get(sim.v1(f"/images/{image['id']}")).json()["status"] == "ACTIVE"


@pytest.mark.asyncio
async def test_states_the_platform_causes(start_sim: StartSim) -> None:
    # The clock stands still unless moved: each state is forced while the notebook is surely in the one before.
    clock = SimClock()
    sim = start_sim(clock=clock)

    def force(notebook_id: str, status: str) -> httpx.Response:
        return httpx.put(f"{sim.url}/_sim/notebooks/{notebook_id}/status",
                         json={"status": status, "reason": f"simulated {status}"})

    async def submit_running() -> str:
        submitted = await adapter.submit(_notebook())
        clock.advance(sim.config.notebook_start_s)
        await wait_notebook(adapter, submitted.vendor_job_id, lambda job: job.status is JobStatus.RUNNING)
        return submitted.vendor_job_id

    async with aclosing(ModelArtsAdapter(sim.settings())) as adapter:
        creating = await adapter.submit(_notebook())
        assert force(creating.vendor_job_id, "CREATE_FAILED").json()["status"] == "CREATE_FAILED"
        failed = await adapter.get(creating.vendor_job_id, "notebook")
        assert (failed.status, failed.reason) == (JobStatus.FAILED, "CREATE_FAILED: simulated CREATE_FAILED")

        running = await submit_running()
        assert force(running, "START_FAILED").status_code == 409  # only while starting
        force(running, "ERROR")
        assert (await adapter.get(running, "notebook")).status is JobStatus.FAILED
        with sim.client(sim.raw_token()) as client:
            base = sim.v1(f"/notebooks/{running}")
            assert client.post(f"{base}/start").json()["status"] == "STARTING"  # an ERROR instance may start again
            assert force(running, "START_FAILED").json()["fail_reason"] == "simulated START_FAILED"
            assert client.delete(base).json()["status"] == "DELETING"
            assert force(running, "DELETE_FAILED").json()["status"] == "DELETE_FAILED"
            assert (await adapter.get(running, "notebook")).status is JobStatus.FAILED

        frozen = await submit_running()
        force(frozen, "FROZEN")
        seen = await adapter.get(frozen, "notebook")
        assert (seen.status, seen.reason) == (JobStatus.STOPPED, "FROZEN: simulated FROZEN")
        with sim.client(sim.raw_token()) as client:
            base = sim.v1(f"/notebooks/{frozen}")
            for response in (client.post(f"{base}/start"), client.post(f"{base}/stop"), client.delete(base),
                             client.put(base, json={"name": "x"}), client.patch(f"{base}/lease", json={"duration": 1})):
                assert error_code(response) == (400, "ModelArts.6326")
        await adapter.stop(frozen, "notebook")  # nothing left to stop: not an error
