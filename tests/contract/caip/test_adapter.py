"""The CAIP adapter against the CAIP simulator, over real HTTP."""

import asyncio
import socket
import uuid
from collections.abc import Callable
from decimal import Decimal
import httpx
import pytest

from contracts.status import JobStatus
from services.vendors import (
    AuthFailed,
    CapacityUnavailable,
    InvalidRequest,
    NotFound,
    RateLimited,
    SubmitRequest,
    VendorError,
    VendorJob,
    VendorUnavailable,
)
from services.vendors.caip import CaipAdapter
from services.vendorsim.caip import LOGIN_PATH, default_flavor_id
from tests.contract.caip.case import CaipSim
from tests.contract.support import is_terminal, wait_for_job

StartCaip = Callable[..., CaipSim]

pytestmark = pytest.mark.asyncio

MLU370 = default_flavor_id("mlu370-x1")
MLU370_X4 = default_flavor_id("mlu370-x4")


def _name(prefix: str = "sy") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def _request(name: str | None = None, *, flavor_id: str = MLU370, node_count: int = 1, **env: str) -> SubmitRequest:
    return SubmitRequest(
        name=name or _name(),
        kind="training",
        image="harbor.example.com/caip/pytorch:1.13-mlu",
        command="python train.py",
        env=env,
        flavor_id=flavor_id,
        node_count=node_count,
    )



def _running(job: VendorJob) -> bool:
    return job.status is JobStatus.RUNNING


# --------------------------------------------------------------------------- flavors


async def test_flavors_are_normalized_and_priced(adapter: CaipAdapter) -> None:
    flavors = {flavor.flavor_id: flavor for flavor in await adapter.list_flavors()}
    by_name = {name: flavors.get(default_flavor_id(name)) for name in (
        "mlu370-x1", "mlu370-x4", "mlu370-x2-team", "mlu590-x1", "mlu590-x8", "cpu-16c64g")}  # fmt: skip
    assert all(by_name.values()) and len(flavors) == 6  # no half-card (VF) flavor, no disabled one
    summary = {name: (f.accelerator, f.count, f.cpu, f.memory_gb, f.price_per_hour) for name, f in by_name.items()}
    assert summary == {
        "mlu370-x1": ("mlu370", 1, 8, 32, 3_500_000),
        "mlu370-x4": ("mlu370", 4, 32, 128, 14_000_000),
        "mlu370-x2-team": ("mlu370", 2, 16, 64, 6_000_000),  # the project's own flavor
        "mlu590-x1": ("mlu590", 1, 12, 64, 9_000_000),
        "mlu590-x8": ("mlu590", 8, 96, 512, 72_000_000),
        "cpu-16c64g": ("cpu", 0, 16, 64, 4_800_000),
    }
    assert all(f.vendor == "caip" and f.available and f.kind == "training" for f in flavors.values())


async def test_credit_rate_is_a_setting(sim: CaipSim) -> None:
    adapter = CaipAdapter(sim.settings(cny_per_credit=Decimal("0.85")))
    try:
        flavors = {flavor.flavor_id: flavor for flavor in await adapter.list_flavors()}
    finally:
        await adapter.aclose()
    assert flavors[MLU370].price_per_hour == 2_975_000


async def test_flavors_page_through(sim: CaipSim) -> None:
    adapter = CaipAdapter(sim.settings(page_size=2))
    try:
        assert len(await adapter.list_flavors()) == 6
    finally:
        await adapter.aclose()


async def test_other_kinds_are_invalid(adapter: CaipAdapter) -> None:
    with pytest.raises(InvalidRequest):
        await adapter.list_flavors("notebook")


# --------------------------------------------------------------------------- job lifecycle


async def test_submitted_job_runs_to_succeeded(adapter: CaipAdapter) -> None:
    submitted = await adapter.submit(_request(SWITCHYARD_SIM_RUN_SECONDS="0.5"))
    assert (submitted.status, submitted.raw_status) == (JobStatus.QUEUED, "Pending")
    assert submitted.created_at is not None and submitted.created_at.tzinfo is not None
    assert submitted.vendor_job_id in {job.vendor_job_id for job in await adapter.list_active()}

    running = await wait_for_job(adapter, submitted.vendor_job_id, _running)
    assert (running.raw_status, running.name) == ("Running", submitted.name)
    done = await wait_for_job(adapter, submitted.vendor_job_id, is_terminal)
    assert (done.status, done.raw_status, done.reason) == (JobStatus.SUCCEEDED, "Completed", None)
    # CAIP reports no start or end time; the watcher observes them.
    assert done.started_at is None and done.finished_at is None
    assert submitted.vendor_job_id not in {job.vendor_job_id for job in await adapter.list_active()}


async def test_steered_failure_ends_failed(adapter: CaipAdapter) -> None:
    job = await adapter.submit(_request(SWITCHYARD_SIM_RUN_SECONDS="0.2", SWITCHYARD_SIM_OUTCOME="failed"))
    done = await wait_for_job(adapter, job.vendor_job_id, is_terminal)
    assert (done.status, done.raw_status) == (JobStatus.FAILED, "Failed")
    assert done.reason == f"{job.name}-0: 1 of 1 pods failed"


async def test_multi_node_job_runs_distributed(adapter: CaipAdapter, sim: CaipSim) -> None:
    job = await adapter.submit(_request(node_count=2, SWITCHYARD_SIM_RUN_SECONDS="30"))
    with sim.client(sim.token()) as client:
        body = client.get(f"/namespace/{sim.namespace}/batch-trainingjob/{job.vendor_job_id}").json()
    assert (body["communType"], body["spec"]["workerCount"], body["trainingType"]) == ("pytorch", 2, "normal")
    assert body["spec"]["command"] == ["/bin/bash", "-c", "python train.py"]
    assert body["spec"]["executionCommand"] == "python train.py"
    assert body["subJobs"]["items"][0]["status"]["minAvailable"] == 2
    await adapter.stop(job.vendor_job_id)


async def test_invalid_steering_is_invalid_request(adapter: CaipAdapter) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await adapter.submit(_request(SWITCHYARD_SIM_RUN_SECONDS="soon"))
    assert (caught.value.code, caught.value.http_status) == ("400", 400)


@pytest.mark.parametrize("look_first", [True, False])
async def test_submit_is_idempotent_by_name(sim: CaipSim, look_first: bool) -> None:
    adapter = CaipAdapter(sim.settings(find_name_before_create=look_first))
    request = _request(SWITCHYARD_SIM_RUN_SECONDS="30")
    try:
        first = await adapter.submit(request)
        second = await adapter.submit(request)  # without the look-up: 409, then found by name
        assert second.vendor_job_id == first.vendor_job_id
        await adapter.stop(first.vendor_job_id)
    finally:
        await adapter.aclose()
    with sim.client(sim.token()) as client:
        listed = client.get(f"/namespace/{sim.namespace}/batch-trainingjob", params={"name": request.name})
    assert listed.json()["metadata"]["total"] == 1


async def test_without_unique_names_the_oldest_job_of_a_name_is_ours(start_sim: StartCaip) -> None:
    sim = start_sim(unique_names=False)  # [INFER] uniqueness is not documented: a setting on both sides
    adapter = CaipAdapter(sim.settings())
    request = _request(SWITCHYARD_SIM_RUN_SECONDS="30")
    try:
        first = await adapter.submit(request)
        assert (await adapter.submit(request)).vendor_job_id == first.vendor_job_id  # looked up, not created
        duplicate = {
            "metadata": {"name": request.name},
            "spec": {"image": request.image, "workerCount": 1, "flavorIDs": [MLU370], "command": ["true"]},
        }
        with sim.client(sim.token()) as client:
            assert client.post(f"/namespace/{sim.namespace}/batch-trainingjob", json=duplicate).status_code == 201
        found = await adapter.find_by_name(request.name)
        assert found is not None and found.vendor_job_id == first.vendor_job_id
    finally:
        await adapter.aclose()


async def test_find_by_name_matches_exactly(adapter: CaipAdapter) -> None:
    name = _name("exact")
    longer = await adapter.submit(_request(f"{name}-2", SWITCHYARD_SIM_RUN_SECONDS="30"))
    job = await adapter.submit(_request(name, SWITCHYARD_SIM_RUN_SECONDS="30"))
    found = await adapter.find_by_name(name)
    assert found is not None and found.vendor_job_id == job.vendor_job_id
    assert await adapter.find_by_name(_name("missing")) is None
    for vendor_job_id in (longer.vendor_job_id, job.vendor_job_id):
        await adapter.stop(vendor_job_id)


async def test_stop_aborts_every_sub_job_and_is_repeatable(adapter: CaipAdapter) -> None:
    job = await adapter.submit(_request(SWITCHYARD_SIM_RUN_SECONDS="30"))
    await wait_for_job(adapter, job.vendor_job_id, _running)

    await adapter.stop(job.vendor_job_id)
    stopping = await adapter.get(job.vendor_job_id)
    # Pods still terminate (and hold the flavor): still RUNNING for Switchyard.
    assert (stopping.raw_status, stopping.status) == ("Aborting", JobStatus.RUNNING)
    await adapter.stop(job.vendor_job_id)  # while Aborting

    stopped = await wait_for_job(adapter, job.vendor_job_id, is_terminal)
    assert (stopped.status, stopped.raw_status) == (JobStatus.STOPPED, "Aborted")
    await adapter.stop(job.vendor_job_id)  # already ended


async def test_stop_of_a_batch_job_stops_all_its_sub_jobs(adapter: CaipAdapter, sim: CaipSim) -> None:
    body = {
        "metadata": {"name": _name()},
        "trainingType": "batch",
        "spec": {
            "image": "harbor.example.com/caip/pytorch:1.13-mlu", "workerCount": 1, "flavorIDs": [MLU370],
            "command": ["/bin/bash", "-c", "python sweep.py"],
            "env": [{"name": "SWITCHYARD_SIM_RUN_SECONDS", "value": "30"}],
            "parameterSets": [{"LR": "0.1"}, {"LR": "0.01"}, {"LR": "0.001"}],
        },
    }  # fmt: skip
    with sim.client(sim.token()) as client:
        created = client.post(f"/namespace/{sim.namespace}/batch-trainingjob", json=body)
    assert created.status_code == 201, created.text
    job_id = created.json()["id"]
    await wait_for_job(adapter, job_id, _running)

    await adapter.stop(job_id)
    stopped = await wait_for_job(adapter, job_id, is_terminal)
    assert (stopped.status, stopped.raw_status) == (JobStatus.STOPPED, "Aborted")
    with sim.client(sim.token()) as client:
        subs = client.get(f"/namespace/{sim.namespace}/batch-trainingjob/{job_id}").json()["subJobs"]
    assert subs["metadata"] == {"total": 3, "status": {"Aborted": 3}}


async def test_a_failed_sub_job_fails_the_batch_job(adapter: CaipAdapter, sim: CaipSim) -> None:
    body = {
        "metadata": {"name": _name()},
        "trainingType": "batch",
        "spec": {
            "image": "harbor.example.com/caip/pytorch:1.13-mlu", "workerCount": 1, "flavorIDs": [MLU370],
            "command": ["python", "sweep.py"], "env": [{"name": "SWITCHYARD_SIM_RUN_SECONDS", "value": "0.2"}],
            "parameterSets": [{}, {"SWITCHYARD_SIM_OUTCOME": "failed"}],
        },
    }  # fmt: skip
    with sim.client(sim.token()) as client:
        job_id = client.post(f"/namespace/{sim.namespace}/batch-trainingjob", json=body).json()["id"]
    done = await wait_for_job(adapter, job_id, is_terminal)
    assert (done.status, done.raw_status) == (JobStatus.FAILED, "Failed")
    assert done.reason is not None and done.reason.endswith("-1: 1 of 1 pods failed")


async def test_job_waits_while_its_flavor_is_full(start_sim: StartCaip) -> None:
    sim = start_sim(flavor_replicas=1)
    adapter = CaipAdapter(sim.settings())
    try:
        first = await adapter.submit(_request(SWITCHYARD_SIM_RUN_SECONDS="30"))
        await wait_for_job(adapter, first.vendor_job_id, _running)
        second = await adapter.submit(_request(SWITCHYARD_SIM_RUN_SECONDS="30"))
        await asyncio.sleep(0.3)  # well past pending_s
        waiting = await adapter.get(second.vendor_job_id)
        assert (waiting.status, waiting.raw_status) == (JobStatus.QUEUED, "Pending")

        await adapter.stop(first.vendor_job_id)
        await wait_for_job(adapter, second.vendor_job_id, _running)
        assert (await adapter.get(first.vendor_job_id)).status is JobStatus.STOPPED

        # A job stopped while it waits never runs.
        third = await adapter.submit(_request(SWITCHYARD_SIM_RUN_SECONDS="30"))
        await adapter.stop(third.vendor_job_id)
        assert ((await adapter.get(third.vendor_job_id)).raw_status) == "Aborted"
        await adapter.stop(second.vendor_job_id)
    finally:
        await adapter.aclose()


@pytest.mark.parametrize("offset_mode", ["item", "page"])
async def test_list_active_pages_through_every_job(start_sim: StartCaip, offset_mode: str) -> None:
    sim = start_sim(offset_mode=offset_mode, flavor_replicas=100)
    adapter = CaipAdapter(sim.settings(page_size=7))
    try:
        ended = await adapter.submit(_request(SWITCHYARD_SIM_RUN_SECONDS="0"))
        submitted = [
            (await adapter.submit(_request(SWITCHYARD_SIM_RUN_SECONDS="60"))).vendor_job_id for _ in range(20)
        ]
        await wait_for_job(adapter, ended.vendor_job_id, is_terminal)
        active = await adapter.list_active()
    finally:
        await adapter.aclose()
    assert [job.vendor_job_id for job in active] == submitted  # oldest first, the ended one left out


# --------------------------------------------------------------------------- errors


async def test_get_unknown_job_is_not_found(adapter: CaipAdapter) -> None:
    with pytest.raises(NotFound) as caught:
        await adapter.get(str(uuid.uuid4()))
    assert (caught.value.code, caught.value.http_status) == ("404", 404)


async def test_unknown_flavor_is_invalid_request(adapter: CaipAdapter) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await adapter.submit(_request(flavor_id=str(uuid.uuid4())))
    assert caught.value.http_status == 400


async def test_sold_out_flavor_is_capacity_unavailable(adapter: CaipAdapter, sim: CaipSim) -> None:
    sim.put_faults(sold_out=[MLU370])
    with pytest.raises(CapacityUnavailable) as caught:
        await adapter.submit(_request())
    assert (caught.value.code, caught.value.message) == ("422", f"insufficient resources: flavor {MLU370} is sold out")
    job = await adapter.submit(_request(flavor_id=MLU370_X4, SWITCHYARD_SIM_RUN_SECONDS="0"))  # others still sell
    await wait_for_job(adapter, job.vendor_job_id, is_terminal)


async def test_a_job_no_flavor_can_ever_host_is_capacity_unavailable(adapter: CaipAdapter) -> None:
    with pytest.raises(CapacityUnavailable) as caught:
        await adapter.submit(_request(flavor_id=MLU370_X4, node_count=5))  # the pool has 4 replicas
    assert caught.value.http_status == 422


@pytest.mark.parametrize(
    ("faults", "error", "status"),
    [
        ({"throttle_rate": 1.0}, RateLimited, 429),
        ({"error_rate": 1.0}, VendorUnavailable, 500),
        ({"down": True}, VendorUnavailable, 503),
    ],
)
async def test_injected_faults_are_typed(
    adapter: CaipAdapter, sim: CaipSim, faults: dict, error: type[VendorError], status: int
) -> None:
    await adapter.list_flavors()  # token in hand, so the fault hits the compute call itself
    sim.put_faults(**faults)
    with pytest.raises(error) as caught:
        await adapter.list_flavors()
    assert (caught.value.http_status, caught.value.code) == (status, str(status))
    if error is RateLimited:
        assert caught.value.retry_after_s == 1.0


async def test_unreachable_vendor_is_vendor_unavailable(sim: CaipSim) -> None:
    with socket.socket() as unused:  # bound, never listening: connections are refused
        unused.bind(("127.0.0.1", 0))
        adapter = CaipAdapter(sim.settings(endpoint=f"http://127.0.0.1:{unused.getsockname()[1]}"))
        try:
            with pytest.raises(VendorUnavailable):
                await adapter.list_flavors()
        finally:
            await adapter.aclose()


@pytest.mark.parametrize(("overrides", "status"), [({"password": "wrong"}, 401), ({"namespace": "0" * 32}, 403)])
async def test_refused_credentials_are_auth_failed(sim: CaipSim, overrides: dict, status: int) -> None:
    adapter = CaipAdapter(sim.settings(**overrides))
    try:
        with pytest.raises(AuthFailed) as caught:
            await adapter.find_by_name("sy-anything")
    finally:
        await adapter.aclose()
    assert caught.value.http_status == status


async def test_the_bare_compute_server_needs_no_prefix(sim: CaipSim) -> None:
    adapter = CaipAdapter(sim.settings(api_prefix=""))
    try:
        assert len(await adapter.list_flavors()) == 6
    finally:
        await adapter.aclose()


# --------------------------------------------------------------------------- tokens


async def test_token_is_renewed_before_it_expires(start_sim: StartCaip) -> None:
    sim = start_sim(token_ttl_s=1.0)  # renewed 10% before: after 0.9 s
    adapter = CaipAdapter(sim.settings())
    paths: list[str] = []

    async def record(request: httpx.Request) -> None:
        paths.append(request.url.path)

    adapter._client.event_hooks["request"].append(record)  # observe the adapter's own traffic
    try:
        await adapter.list_flavors()
        await asyncio.sleep(0.95)  # past the renewal point, before the expiry
        await adapter.list_flavors()
    finally:
        await adapter.aclose()
    assert paths == [LOGIN_PATH, "/api/compute/v2/flavor"] * 2  # no 401 on the way


async def test_token_rejected_by_the_vendor_is_renewed_once(adapter: CaipAdapter, sim: CaipSim) -> None:
    await adapter.list_flavors()
    old = sim.token()
    with sim.client() as client:  # server-side expiry the adapter cannot foresee
        assert client.post(f"{sim.url}/_sim/tokens/expire").status_code == 204
    assert await adapter.list_flavors()
    with sim.client(old) as client:
        response = client.get("/flavor")
    assert (response.status_code, response.json()) == (
        401, {"code": 401, "message": "The request you have made requires authentication."}
    )  # fmt: skip
