"""Inference services: the adapter's inference kind, and the v1 service endpoints raw over HTTP."""

import uuid
from contextlib import aclosing
from functools import partial
from typing import Any

import httpx
import pytest

from contracts.status import JobStatus
from services.vendors import CapacityUnavailable, InvalidRequest, NotFound, SubmitRequest
from services.vendors.modelarts import ModelArtsAdapter
from tests.contract.modelarts.case import ModelArtsSim, error_code
from tests.contract.support import SimClock, StartSim, drive_until, wait_for_job

P4 = "modelarts.vm.gpu.pnt004"
CPU = "modelarts.vm.cpu.2u"
MODEL = "0e07b41b-173e-42db-8c16-8e1b44cc0d44"

wait_service = partial(wait_for_job, kind="inference")  # a service's state through the adapter


def _service(name: str | None = None, *, flavor_id: str = CPU, replicas: int = 1, model: str | None = MODEL,
             env: dict[str, str] | None = None, max_runtime_s: int | None = None) -> SubmitRequest:
    return SubmitRequest(name=name or f"sy-{uuid.uuid4().hex}", kind="inference", image="unused", command=None,
                         env=env or {}, flavor_id=flavor_id, replicas=replicas, model=model,
                         max_runtime_s=max_runtime_s)


def _raw_body(**overrides: Any) -> dict[str, Any]:
    """The doc's deploy example."""
    return {"infer_type": "real-time", "service_name": f"svc-{uuid.uuid4().hex[:8]}", "description": "mnist service",
            "config": [{"specification": CPU, "weight": 100, "model_id": MODEL, "instance_count": 1}]} | overrides


def _deploy(client: httpx.Client, sim: ModelArtsSim, **overrides: Any) -> str:
    response = client.post(sim.v1("/services"), json=_raw_body(**overrides))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["resource_ids"][0].startswith("INF-")
    return str(body["service_id"])


def _wait_raw(client: httpx.Client, sim: ModelArtsSim, service_id: str, *statuses: str) -> dict[str, Any]:
    return sim.wait_for(client, sim.v1(f"/services/{service_id}"), lambda service: service["status"], *statuses)


# --------------------------------------------------------------------------- the adapter


@pytest.mark.asyncio
async def test_specifications_are_normalized_and_priced(either_adapter: ModelArtsAdapter,
                                                        sim: ModelArtsSim) -> None:
    specs = {spec.flavor_id: spec for spec in await either_adapter.list_flavors("inference")}
    p4 = specs[P4]
    assert (p4.kind, p4.accelerator, p4.count, p4.cpu, p4.memory_gb) == ("inference", "nvidia-p4", 1, 8, 32)
    assert p4.price_per_hour == 7_200_000 and p4.available
    snt3 = specs["modelarts.vm.ai1.snt3"]
    assert (snt3.accelerator, snt3.available) == ("ascend-310", False)  # [DOC] is_open false: apply first
    assert (specs[CPU].accelerator, specs[CPU].count) == ("cpu", 0)
    sim.put_faults(sold_out=[P4])
    assert not {spec.flavor_id: spec for spec in await either_adapter.list_flavors("inference")}[P4].available


@pytest.mark.asyncio
@pytest.mark.parametrize("auth", ["token", "aksk"])
async def test_service_runs_until_we_stop_it(start_sim: StartSim, auth: str) -> None:
    clock = SimClock()  # `stopping` and `deleting` are read while the service is surely in them
    sim = start_sim(clock=clock)
    drive_service = partial(drive_until, clock=clock, kind="inference")
    async with aclosing(ModelArtsAdapter(sim.settings(auth=auth))) as modelarts:
        request = _service(flavor_id=P4, replicas=2, env={"MODEL_THREADS": "4"}, max_runtime_s=3600)
        submitted = await modelarts.submit(request)
        assert (submitted.kind, submitted.status, submitted.raw_status) == ("inference", JobStatus.QUEUED, "pending")
        with sim.client(sim.raw_token()) as client:
            raw = client.get(sim.v1(f"/services/{submitted.vendor_job_id}")).json()
        model = raw["config"][0]
        assert (model["model_id"], model["specification"], model["instance_count"], model["envs"]) == (
            MODEL, P4, 2, {"MODEL_THREADS": "4"})
        assert raw["schedule"] == [{"type": "stop", "time_unit": "MINUTES", "duration": 60}]

        running = await drive_service(modelarts, submitted.vendor_job_id, lambda job: job.status is JobStatus.RUNNING)
        assert running.raw_status == "running" and running.started_at is not None
        active = {job.vendor_job_id: job for job in await modelarts.list_active()}
        assert active[submitted.vendor_job_id].kind == "inference"

        await modelarts.stop(submitted.vendor_job_id, "inference")
        stopping = await modelarts.get(submitted.vendor_job_id, "inference")
        assert (stopping.raw_status, stopping.status) == ("stopping", JobStatus.RUNNING)
        await modelarts.stop(submitted.vendor_job_id, "inference")  # while stopping
        stopped = await drive_service(modelarts, submitted.vendor_job_id, lambda job: job.raw_status == "stopped")
        assert stopped.status is JobStatus.STOPPED and stopped.reason is None
        assert stopped.finished_at is not None and stopped.finished_at > running.started_at
        await modelarts.stop(submitted.vendor_job_id, "inference")  # already stopped

        await modelarts.delete(submitted.vendor_job_id, "inference")
        assert (await modelarts.get(submitted.vendor_job_id, "inference")).raw_status == "deleting"
        clock.advance(sim.config.terminating_s)
        with pytest.raises(NotFound) as gone:
            await modelarts.get(submitted.vendor_job_id, "inference")
        assert (gone.value.code, gone.value.http_status) == ("ModelArts.3502", 404)
        await modelarts.delete(submitted.vendor_job_id, "inference")  # gone already: fine


@pytest.mark.asyncio
async def test_submit_is_idempotent_by_name(adapter: ModelArtsAdapter) -> None:
    request = _service()
    first = await adapter.submit(request)
    second = await adapter.submit(request)  # [DOC] 3503 "already exists": the first one is ours
    assert second.vendor_job_id == first.vendor_job_id
    found = await adapter.find_by_name(request.name, "inference")
    assert found is not None and found.vendor_job_id == first.vendor_job_id
    assert await adapter.find_by_name(f"sy-{uuid.uuid4().hex}", "inference") is None


@pytest.mark.asyncio
async def test_steered_failure_and_missing_model(adapter: ModelArtsAdapter) -> None:
    job = await adapter.submit(_service(env={"SWITCHYARD_SIM_OUTCOME": "failed"}))
    failed = await wait_service(adapter, job.vendor_job_id, lambda seen: seen.status is JobStatus.FAILED)
    assert failed.raw_status == "failed" and failed.reason is not None and "simulated failure" in failed.reason
    with pytest.raises(InvalidRequest):
        await adapter.submit(_service(model=None))


@pytest.mark.asyncio
async def test_schedule_auto_stop_says_so(start_sim: StartSim) -> None:
    sim = start_sim(lease_scale=0.005)  # one scheduled minute lasts 0.3 s
    async with aclosing(ModelArtsAdapter(sim.settings(auth="aksk"))) as modelarts:
        job = await modelarts.submit(_service(max_runtime_s=60))
        await wait_service(modelarts, job.vendor_job_id, lambda seen: seen.status is JobStatus.RUNNING)
        stopped = await wait_service(modelarts, job.vendor_job_id, lambda seen: seen.raw_status == "stopped")
    assert stopped.reason is not None and "auto-stop schedule" in stopped.reason


@pytest.mark.asyncio
async def test_service_waits_for_slots_for_all_its_instances(start_sim: StartSim) -> None:
    sim = start_sim(capacity=2)
    async with aclosing(ModelArtsAdapter(sim.settings())) as modelarts:
        first = await modelarts.submit(_service(flavor_id=P4, replicas=2))
        await wait_service(modelarts, first.vendor_job_id, lambda job: job.status is JobStatus.RUNNING)
        second = await modelarts.submit(_service(flavor_id=P4))
        waiting = await wait_service(modelarts, second.vendor_job_id, lambda job: job.raw_status == "waiting")
        assert (waiting.status, waiting.reason) == (JobStatus.QUEUED, "waiting for resources")
        cancelled = await modelarts.submit(_service(flavor_id=P4))
        await modelarts.stop(cancelled.vendor_job_id, "inference")  # cancelled while queued
        await wait_service(modelarts, cancelled.vendor_job_id, lambda job: job.raw_status == "stopped")

        await modelarts.stop(first.vendor_job_id, "inference")
        await wait_service(modelarts, second.vendor_job_id, lambda job: job.status is JobStatus.RUNNING)


@pytest.mark.asyncio
async def test_service_errors_are_typed(adapter: ModelArtsAdapter, sim: ModelArtsSim) -> None:
    sim.put_faults(sold_out=[CPU])
    with pytest.raises(CapacityUnavailable) as sold_out:
        await adapter.submit(_service())
    assert sold_out.value.code == "ModelArts.4992"
    sim.put_faults()
    with pytest.raises(NotFound):
        await adapter.stop(str(uuid.uuid4()), "inference")


# --------------------------------------------------------------------------- raw endpoints


def test_deploy_is_validated(client: httpx.Client, sim: ModelArtsSim) -> None:
    cases = {
        (400, "ModelArts.3610"): _raw_body(config=[]),
        (400, "ModelArts.3518"): _raw_body(infer_type="batch"),
        (400, "ModelArts.0101"): _raw_body(service_name="bad name!"),
        (400, "ModelArts.3522"): _raw_body(config=[{"specification": CPU, "weight": 100, "model_id": MODEL,
                                                    "instance_count": 128}]),
        (403, "ModelArts.0108"): _raw_body(config=[{"specification": "modelarts.vm.ai1.snt3", "weight": 100,
                                                    "model_id": MODEL, "instance_count": 1}]),
    }
    weights = _raw_body(config=[{"specification": CPU, "weight": "70", "model_id": MODEL, "instance_count": 1},
                                {"specification": CPU, "weight": "20", "model_id": MODEL, "instance_count": 1}])
    cases[(400, "ModelArts.0101")] = weights  # weights must add up to 100 (sent as strings in the doc)
    for expected, body in cases.items():
        assert error_code(client.post(sim.v1("/services"), json=body)) == expected, body
    name = f"dup-{uuid.uuid4().hex[:6]}"
    _deploy(client, sim, service_name=name)
    assert error_code(client.post(sim.v1("/services"), json=_raw_body(service_name=name))) == (409, "ModelArts.3503")


def test_list_sorts_filters_and_pages(start_sim: StartSim) -> None:
    clock = SimClock()  # the first service is still `stopping` when the list is filtered by it
    sim = start_sim(clock=clock)
    with sim.client(sim.raw_token()) as client:
        tag = uuid.uuid4().hex[:6]
        ids = []
        for index in range(3):
            ids.append(_deploy(client, sim, service_name=f"list-{tag}-{index}"))
            clock.advance(0.01)  # each reaches `running` at its own millisecond
        clock.advance(sim.config.creating_s + sim.config.service_deploy_s)
        for service_id in ids:
            _wait_raw(client, sim, service_id, "running")
        client.put(sim.v1(f"/services/{ids[0]}"), json={"status": "stopped"})  # the latest transition
        clock.advance(0.05)


        newest = client.get(sim.v1("/services"),
                            params={"service_name": f"list-{tag}", "sort_by": "transition_at"}).json()
        assert newest["total_count"] == newest["count"] == 3
        assert newest["services"][0]["service_id"] == ids[0]
        times = [item["transition_at"] for item in newest["services"]]
        assert times == sorted(times, reverse=True)
        ascending = client.get(sim.v1("/services"), params={"service_name": f"list-{tag}", "sort_by": "transition_at",
                                                            "order": "asc"}).json()["services"]
        assert [item["transition_at"] for item in ascending] == sorted(times)

        # [DOC] `offset` is the start page.
        pages = [client.get(sim.v1("/services"), params={"service_name": f"list-{tag}", "sort_by": "service_name",
                                                         "order": "asc", "limit": 2, "offset": page}).json()
                 for page in (0, 1)]
        assert [[item["service_name"] for item in page["services"]] for page in pages] == [
            [f"list-{tag}-0", f"list-{tag}-1"], [f"list-{tag}-2"]]
        assert pages[1]["total_count"] == 3 and pages[1]["count"] == 1
        stopping = client.get(sim.v1("/services"), params={"service_name": f"list-{tag}", "status": "stopping"}).json()
        assert [item["service_id"] for item in stopping["services"]] == [ids[0]]
        assert client.get(sim.v1("/services"), params={"sort_by": "owner"}).status_code == 400


def test_start_stop_and_update_through_put(start_sim: StartSim) -> None:
    sim = start_sim(service_deploy_s=0.5)
    with sim.client(sim.raw_token()) as client:
        _start_stop_and_update(client, sim)


def _start_stop_and_update(client: httpx.Client, sim: ModelArtsSim) -> None:
    service_id = _deploy(client, sim)
    path = sim.v1(f"/services/{service_id}")
    config = [{"specification": CPU, "weight": 100, "model_id": MODEL, "instance_count": 3}]
    _wait_raw(client, sim, service_id, "deploying")
    assert error_code(client.put(path, json={"config": config})) == (400, "ModelArts.3519")
    _wait_raw(client, sim, service_id, "running")
    assert error_code(client.put(path, json={"status": "running"})) == (400, "ModelArts.3519")

    assert client.put(path, json={"description": "v2", "config": config}).json() == {}
    rolled = client.get(path).json()
    assert (rolled["status"], rolled["description"], rolled["config"][0]["instance_count"]) == ("deploying", "v2", 3)
    _wait_raw(client, sim, service_id, "running")

    # [DOC] with `status` present, `config` is ignored.
    stopped = client.put(path, json={"status": "stopped", "config": [{**config[0], "instance_count": 1}]})
    assert stopped.json() == {} and client.get(path).json()["config"][0]["instance_count"] == 3
    _wait_raw(client, sim, service_id, "stopped")
    assert error_code(client.put(path, json={"status": "stopped"})) == (400, "ModelArts.3519")
    client.put(path, json={"status": "running"})
    assert _wait_raw(client, sim, service_id, "pending", "deploying", "running")["status"] in ("pending", "deploying")
    _wait_raw(client, sim, service_id, "running")


def test_delete_accepts_comma_joined_ids(start_sim: StartSim) -> None:
    clock = SimClock()  # both are still `deleting` when read, and gone once the clock is past it
    sim = start_sim(clock=clock)
    with sim.client(sim.raw_token()) as client:
        ids = [_deploy(client, sim) for _ in range(2)]
        assert error_code(client.delete(sim.v1(f"/services/{ids[0]},{uuid.uuid4()}"))) == (404, "ModelArts.3502")
        assert client.get(sim.v1(f"/services/{ids[0]}")).json()["status"] != "deleting"  # all or nothing
        deleted = client.delete(sim.v1(f"/services/{ids[0]},{ids[1]}"))
        assert (deleted.status_code, deleted.json()) == (200, {})
        assert {client.get(sim.v1(f"/services/{i}")).json()["status"] for i in ids} == {"deleting"}
        clock.advance(2 * sim.config.terminating_s)
        assert {error_code(client.get(sim.v1(f"/services/{i}"))) for i in ids} == {(404, "ModelArts.3502")}
        assert not set(ids) & {item["service_id"] for item in client.get(sim.v1("/services")).json()["services"]}


def test_events_tell_the_deployment(client: httpx.Client, sim: ModelArtsSim) -> None:
    service_id = _deploy(client, sim, config=[{"specification": CPU, "weight": 100, "model_id": MODEL,
                                               "instance_count": 1,
                                               "envs": {"SWITCHYARD_SIM_OUTCOME": "failed"}}])
    failed = _wait_raw(client, sim, service_id, "failed")
    assert "simulated failure" in failed["error_msg"]
    path = sim.v1(f"/services/{service_id}/events")
    events = client.get(path, params={"order": "asc"}).json()
    infos = [event["event_info"] for event in events["events"]]
    assert infos[0] == "start to deploy service" and infos[1].startswith("building image for model")
    assert [info for info in infos if "pulling model image" in info]
    assert events["total_count"] == events["count"] == len(infos) and events["service_id"] == service_id
    abnormal = client.get(path, params={"event_type": "abnormal"}).json()["events"]
    assert len(abnormal) == 1 and "failed to start model" in abnormal[0]["event_info"]
    assert client.get(path, params={"event_info": "pull image success"}).json()["count"] == 1
    newest = client.get(path, params={"limit": 1}).json()["events"]
    assert newest == abnormal  # newest first by default
    first_ms = events["events"][0]["occur_time"]
    window = client.get(path, params={"start_time": first_ms, "end_time": first_ms}).json()
    assert window["events"][0]["event_info"] == "start to deploy service"


def test_concerning_comes_and_goes(start_sim: StartSim) -> None:
    clock = SimClock()  # the service is surely not running yet when first forced
    sim = start_sim(clock=clock)
    with sim.client(sim.raw_token()) as client:
        service_id = _deploy(client, sim)
        control = f"{sim.url}/_sim/services/{service_id}/status"
        assert httpx.put(control, json={"status": "concerning"}).status_code == 409  # not running yet
        clock.advance(sim.config.creating_s + sim.config.service_deploy_s)
        _wait_raw(client, sim, service_id, "running")
        assert httpx.put(control, json={"status": "concerning"}).json()["status"] == "concerning"
        listed = client.get(sim.v1("/services"), params={"status": "concerning"}).json()["services"]
        assert service_id in {item["service_id"] for item in listed}
        assert httpx.put(control, json={"status": "running"}).json()["status"] == "running"


def test_specifications_endpoint(client: httpx.Client, sim: ModelArtsSim) -> None:
    specs = client.get(sim.v1("/services/specifications")).json()
    assert specs["total_count"] == specs["count"] == 3
    assert {"specification", "billing_spec", "category", "cpu_info", "memory_info", "gpu_info", "npu_info",
            "is_open", "spec_status", "extend_params"} <= set(specs["specifications"][0])
    page = client.get(sim.v1("/services/specifications"), params={"offset": 1, "limit": 1}).json()
    assert (page["total_count"], page["count"]) == (3, 1)
    assert client.get(sim.v1("/services/specifications"), params={"is_personal_cluster": "true"}).json()["count"] == 0
