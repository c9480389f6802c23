"""The CAIP simulator's documented surface, over raw HTTP: routes, shapes, filters, lifecycle, errors."""

import time
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import httpx
import pytest

from services.vendorsim.caip import LOGIN_PATH, default_flavor_id
from tests.contract.caip.case import CaipSim
from tests.contract.support import SimClock

StartCaip = Callable[..., CaipSim]

MLU370 = default_flavor_id("mlu370-x1")
MLU590 = default_flavor_id("mlu590-x1")
IMAGE = "harbor.example.com/caip/pytorch:1.13-mlu"


@pytest.fixture
def api(sim: CaipSim) -> Iterator[httpx.Client]:
    with sim.client(sim.token()) as client:
        yield client


def _ns(sim: CaipSim) -> str:
    return f"/namespace/{sim.namespace}"


def _job(name: str | None = None, *, run_s: str = "30", flavor_ids: list[str] | None = None, **fields: Any) -> dict:
    spec = {
        "image": IMAGE,
        "workerCount": 1,
        "flavorIDs": flavor_ids or [MLU370],
        "command": ["/bin/bash", "-c", "python train.py"],
        "env": [{"name": "SWITCHYARD_SIM_RUN_SECONDS", "value": run_s}],
    }
    spec |= fields.pop("spec", {})
    return {"metadata": {"name": name or f"job-{uuid.uuid4().hex[:10]}"}, "spec": spec, **fields}


def _create(client: httpx.Client, sim: CaipSim, body: dict) -> str:
    response = client.post(f"{_ns(sim)}/batch-trainingjob", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _until(fetch: Callable[[], dict], done: Callable[[dict], bool], timeout_s: float = 5.0,
           clock: SimClock | None = None) -> dict:
    """`fetch()` once `done` holds. With the simulator's `clock`, each retry moves it on 0.05 s instead of
    sleeping, and `timeout_s` counts the clock's seconds: no wall time counts, so no state is skipped."""
    deadline = time.monotonic() + timeout_s
    moved = 0.0
    while True:
        body = fetch()
        if done(body):
            return body
        if clock is None:
            assert time.monotonic() < deadline, f"timed out; last seen {body}"
            time.sleep(0.05)
        else:
            assert moved < timeout_s, f"not reached in {moved:.2f} s of the simulator's clock; last seen {body}"
            clock.advance(0.05)
            moved += 0.05


def _stop_all(client: httpx.Client, sim: CaipSim, job_id: str) -> None:
    for sub in client.get(f"{_ns(sim)}/batch-trainingjob/{job_id}").json()["subJobs"]["items"]:
        client.post(f"{_ns(sim)}/trainingjob/{sub['metadata']['uid']}/stop")


# --------------------------------------------------------------------------- routes and auth


def test_routes_are_served_with_and_without_the_gateway_prefix(sim: CaipSim) -> None:
    token = sim.token()
    for prefix in ("", "/api/compute"):
        with sim.client(token, prefix=prefix) as client:
            assert client.get("/flavor").status_code == 200
            assert client.get(f"{_ns(sim)}/batch-trainingjob").status_code == 200


def test_login_and_token_errors(sim: CaipSim) -> None:
    login = f"{sim.url}{LOGIN_PATH}"
    response = httpx.post(login, json={"identity": sim.config.username, "password": sim.config.password})
    assert response.status_code == 201 and len(response.headers["X-Subject-Token"]) == 64
    assert response.json()["token"]["project"] == {"id": sim.namespace}
    wrong = httpx.post(login, json={"identity": sim.config.username, "password": "nope"})
    assert (wrong.status_code, wrong.json()["code"]) == (401, 401)
    malformed = httpx.post(login, content=b"{not json").json()
    assert malformed == {"code": 400, "message": "invalid parameter: the body is not valid JSON"}

    unauthenticated = {"code": 401, "message": "The request you have made requires authentication."}
    with sim.client() as client:
        assert client.get("/flavor").json() == unauthenticated
    with sim.client("not-a-token") as client:
        assert client.get("/flavor").json() == unauthenticated
    with sim.client(sim.token()) as client:
        other = client.get(f"/namespace/{uuid.uuid4().hex}/batch-trainingjob")
        assert (other.status_code, other.json()["code"]) == (403, 403)
        unknown = client.get("/no-such-route")
        assert (unknown.status_code, unknown.json()["code"]) == (404, 404)


# --------------------------------------------------------------------------- flavors


def test_flavor_list_filters_sorts_and_pages(api: httpx.Client, sim: CaipSim) -> None:
    def names(**params: Any) -> list[str]:
        response = api.get("/flavor", params=params)
        assert response.status_code == 200, response.text
        return [item["name"] for item in response.json()["items"]]

    everything = api.get("/flavor", params={"limit": 0}).json()
    assert everything["metadata"] == {"total": 8, "status": {}}
    item = next(item for item in everything["items"] if item["name"] == "mlu370-x1")
    assert {key: item[key] for key in ("id", "flavorType", "mluMilliCores", "mluType", "credit", "totalReplicas")} == {
        "id": MLU370, "flavorType": "MLU", "mluMilliCores": 1000, "mluType": "MLU370-X8", "credit": 3_500_000,
        "totalReplicas": 16,
    }  # fmt: skip
    assert "freeReplicas" not in item and "nodes" not in item  # freeReplicas only inside flavorInfo(s)

    assert names(flavor_type="CPU") == ["cpu-16c64g"]
    assert names(enabled="false") == ["mlu370-x1-legacy"]
    assert "mlu370-x2-team" not in names(namespace="public", limit=0)
    assert names(namespace=sim.namespace) == ["mlu370-x2-team"]
    assert names(name="mlu590", sort="+name") == ["mlu590-x1", "mlu590-x8"]
    assert names(sort="-credit", limit=2) == ["mlu590-x8", "mlu370-x4"]
    assert names(sort="+name", limit=3, offset=3) == names(sort="+name", limit=0)[3:6]
    assert api.get("/flavor", params={"flavor_type": "TPU"}).status_code == 400
    assert api.get("/flavor", params={"sort": "+color"}).status_code == 400
    assert api.get("/flavor", params={"limit": "many"}).status_code == 400


def test_with_node_shows_nodes_and_who_holds_which_card(start_sim: StartCaip) -> None:
    sim = start_sim()
    with sim.client(sim.token()) as client:
        job_id = _create(client, sim, _job())
        sub = _until(
            lambda: client.get(f"{_ns(sim)}/batch-trainingjob/{job_id}").json(),
            lambda body: body["status"] == "Running",
        )["subJobs"]["items"][0]
        flavors = client.get("/flavor", params={"withNode": "true", "name": "mlu370-x1"}).json()["items"]
        mlu370 = next(item for item in flavors if item["id"] == MLU370)
        node = mlu370["nodes"][0]
        assert len(mlu370["nodes"]) == 2  # 16 replicas, 8 per node
        assert node["total"]["cambricon.com/mlu"] == "8" and node["used"]["cambricon.com/mlu"] == "1"
        app = {"id": sub["metadata"]["uid"], "name": sub["metadata"]["name"], "type": "trainingjob"}
        assert node["cardUsage"] == [{"physical": 0, "app": app}]
        _stop_all(client, sim, job_id)
    hidden = start_sim(show_nodes=False)  # the ShowNodes feature switch
    with hidden.client(hidden.token()) as client:
        assert all("nodes" not in item for item in client.get("/flavor", params={"withNode": "true"}).json()["items"])


def test_flavor_create_update_delete(start_sim: StartCaip) -> None:
    sim = start_sim()
    a100 = {
        "name": "a100-1card", "namespace": "public", "flavorType": "GPU", "enabled": True,
        "cpuMilliCoresRequest": 8000, "cpuMilliCoresLimit": 16000, "memMbRequest": 65536, "memMbLimit": 65536,
        "gpuMilliCores": 1000, "gpuType": "A100", "mluMilliCores": 0, "mluType": "",
        "ephemeralStorageGb": 100, "mellanoxIb": 0, "mellanoxRoce": 0, "credit": 12_000_000,
    }  # fmt: skip
    with sim.client(sim.token()) as client:
        created = client.post("/flavor", json=a100)
        assert created.status_code == 201
        flavor_id = created.json()["id"]
        assert created.json() == {"id": flavor_id, "name": "a100-1card", "type": "flavor"}
        assert client.post("/flavor", json=a100).status_code == 409
        assert client.post("/flavor", json=a100 | {"credit": None}).json()["code"] == 400

        assert client.put(f"/flavor/{flavor_id}", json=a100 | {"credit": 11_000_000}).status_code == 202
        listed = client.get("/flavor", params={"name": "a100"}).json()["items"]
        replicas = sim.config.new_flavor_replicas
        assert [(item["credit"], item["totalReplicas"]) for item in listed] == [(11_000_000, replicas)]

        job_id = _create(client, sim, _job(flavor_ids=[flavor_id]))
        response = client.delete(f"/flavor/{flavor_id}")
        assert (response.status_code, response.content) == (202, b"")
        assert client.get("/flavor", params={"name": "a100"}).json()["items"] == []
        assert client.put(f"/flavor/{flavor_id}", json=a100).status_code == 404
        info = client.get(f"{_ns(sim)}/batch-trainingjob/{job_id}").json()["spec"]["flavorInfos"][0]
        assert (info["id"], info["deleted"]) == (flavor_id, True)  # a job keeps its flavor's snapshot
        assert client.post(f"{_ns(sim)}/batch-trainingjob", json=_job(flavor_ids=[flavor_id])).status_code == 400


# --------------------------------------------------------------------------- volumes


def test_volumes_crud_and_a_job_that_uses_them(start_sim: StartCaip) -> None:
    clock = SimClock()  # a fresh volume is still Pending when read
    sim = start_sim(clock=clock)
    until = partial(_until, clock=clock)
    with sim.client(sim.token()) as api:
        ns = _ns(sim)
        ids = {}
        for kind in ("algorithm", "dataset", "savedmodel"):
            body = {
                "metadata": {"name": f"{kind}-{uuid.uuid4().hex[:6]}", "labels": [{"name": "demo"}]},
                "spec": {"storageClassName": "managed-nfs-storage", "storageSize": 10, "acl": {"project": "ReadOnly"}},
            }
            created = api.post(f"{ns}/{kind}", json=body)
            assert created.status_code == 201 and created.json()["type"] == kind
            ids[kind] = created.json()["id"]
            assert api.post(f"{ns}/{kind}", json=body).status_code == 409

        fresh = api.get(f"{ns}/dataset/{ids['dataset']}").json()
        assert fresh["status"] == {"phase": "Pending", "importStatus": "Creating"}
        assert fresh["spec"]["acl"] == {"project": "ReadOnly", "effected": ["Read", "WriteACL"]}
        assert fresh["spec"]["pvcName"] == f"pvc-{ids['dataset'][:8]}"
        dataset = f"{ns}/dataset/{ids['dataset']}"
        bound = until(lambda: api.get(dataset).json(), lambda v: v["status"]["phase"] == "Bound")
        assert bound["status"]["importStatus"] == "Succeeded"

        listed = api.get(f"{ns}/dataset", params={"labels": "demo", "status": "Succeeded"}).json()
        assert ids["dataset"] in [item["metadata"]["uid"] for item in listed["items"]]
        assert api.get(f"{ns}/dataset", params={"labels": "demo,absent"}).json()["items"] == []

        grown = {"metadata": bound["metadata"], "spec": bound["spec"] | {"storageSize": 20}}
        assert api.put(f"{ns}/dataset/{ids['dataset']}", json=grown).status_code == 202
        assert api.get(f"{ns}/dataset/{ids['dataset']}").json()["spec"]["storageSize"] == 20
        shrunk = {"metadata": bound["metadata"], "spec": bound["spec"] | {"storageSize": 5}}
        assert api.put(f"{ns}/dataset/{ids['dataset']}", json=shrunk).status_code == 400

        body = _job(spec={
            "algorithmVolumes": [{"id": ids["algorithm"], "readOnly": True}],
            "sampleVolumes": [{"id": ids["dataset"], "readOnly": True, "source": "private"}],
            "modelVolumes": [{"id": ids["savedmodel"], "readOnly": False}],
        })  # fmt: skip
        job_id = _create(api, sim, body)
        spec = api.get(f"{ns}/batch-trainingjob/{job_id}").json()["spec"]
        assert spec["sampleVolumes"][0]["name"] == bound["metadata"]["name"]
        assert spec["sampleVolumes"][0]["deleted"] is False
        def users(**params: str) -> list[str]:
            listed = api.get(f"{ns}/batch-trainingjob", params=params).json()["items"]
            return [item["metadata"]["uid"] for item in listed]

        assert users(sourceID=ids["dataset"], sourceType="dataset") == users(sourceID=ids["algorithm"]) == [job_id]
        assert users(sourceID=ids["dataset"], sourceType="algorithm") == []

        assert api.delete(f"{ns}/dataset/{ids['dataset']}").status_code == 202
        assert api.get(f"{ns}/dataset/{ids['dataset']}").status_code == 404
        assert api.get(f"{ns}/batch-trainingjob/{job_id}").json()["spec"]["sampleVolumes"][0]["deleted"] is True
        missing = _job(spec={"sampleVolumes": [{"id": ids["dataset"]}]})
        assert api.post(f"{ns}/batch-trainingjob", json=missing).status_code == 400
        _stop_all(api, sim, job_id)


    # --------------------------------------------------------------------------- batch training jobs


def test_job_create_get_and_its_sub_job_status_object(start_sim: StartCaip) -> None:
    clock = SimClock()  # Pending and Aborting are read while the job is surely in them
    sim = start_sim(clock=clock)
    until = partial(_until, clock=clock)
    with sim.client(sim.token()) as api:
        ns = _ns(sim)
        body = _job(communType="standalone", priorityClassName="train-job-priority-3")
        created = api.post(f"{ns}/batch-trainingjob", json=body)
        assert created.status_code == 201
        job_id = created.json()["id"]
        assert created.json() == {"id": job_id, "name": body["metadata"]["name"], "type": "trainingjob"}

        job = api.get(f"{ns}/batch-trainingjob/{job_id}").json()
        assert (job["status"], job["info"]) == ("Pending", {"overview": "Pending"})
        assert (job["trainingType"], job["batched"]) == ("normal", False)
        assert (job["communType"], job["priorityClassName"]) == ("standalone", "train-job-priority-3")
        assert job["metadata"]["namespace"] == sim.namespace and job["metadata"]["creationTimestamp"].endswith("Z")
        assert job["spec"]["flavorInfos"][0]["freeReplicas"] == job["spec"]["flavorInfo"]["freeReplicas"]
        sub = job["subJobs"]["items"][0]
        assert job["subJobs"]["metadata"] == {"total": 1, "status": {"Pending": 1}}
        assert sub["metadata"]["name"] == f"{body['metadata']['name']}-0"
        assert sub["status"] == {
            "overview": "Pending", "pending": 1, "running": 0, "succeeded": 0, "failed": 0, "terminating": 0,
            "unknown": 0, "minAvailable": 1, "retryCount": 0, "version": 1,
        }  # fmt: skip

        sub_path = f"{ns}/trainingjob/{sub['metadata']['uid']}"
        running = until(lambda: api.get(sub_path).json(), lambda s: s["status"]["overview"] == "Running")
        status = running["status"]
        assert (status["running"], status["flavorIndex"], status["version"]) == (1, 0, 2)
        assert api.post(f"{sub_path}/stop").status_code == 202
        aborting = api.get(sub_path).json()["status"]
        assert [aborting[key] for key in ("overview", "terminating", "running", "version")] == ["Aborting", 1, 0, 3]
        assert api.post(f"{sub_path}/stop").status_code == 202  # still stopping: nothing changes
        aborted = until(lambda: api.get(sub_path).json(), lambda s: s["status"]["overview"] == "Aborted")["status"]
        assert (aborted["terminating"], aborted["version"]) == (0, 4)
        again = api.post(f"{sub_path}/stop")
        assert (again.status_code, again.json()["code"]) == (409, 409)
        assert api.get(f"{ns}/batch-trainingjob/{job_id}").json()["status"] == "Aborted"


def test_free_replicas_fall_while_jobs_run_and_rise_when_they_end(start_sim: StartCaip) -> None:
    sim = start_sim(flavor_replicas=2)
    with sim.client(sim.token()) as client:
        def free(job_id: str) -> int:
            return client.get(f"{_ns(sim)}/batch-trainingjob/{job_id}").json()["spec"]["flavorInfos"][0]["freeReplicas"]

        first = _create(client, sim, _job(run_s="0.6"))
        assert free(first) == 2  # Pending holds nothing
        second = _create(client, sim, _job(spec={"workerCount": 2}, communType="pytorch"))
        _until(lambda: client.get(f"{_ns(sim)}/batch-trainingjob/{first}").json(), lambda j: j["status"] == "Running")
        assert free(first) == 1
        assert client.get(f"{_ns(sim)}/batch-trainingjob/{second}").json()["status"] == "Pending"  # needs 2
        _until(lambda: client.get(f"{_ns(sim)}/batch-trainingjob/{second}").json(), lambda j: j["status"] == "Running")
        assert free(second) == 0
        assert client.get(f"{_ns(sim)}/batch-trainingjob/{first}").json()["status"] == "Completed"
        _stop_all(client, sim, second)
        _until(lambda: client.get(f"{_ns(sim)}/batch-trainingjob/{second}").json(), lambda j: j["status"] == "Aborted")
        assert free(second) == 2


def test_higher_priority_starts_first_and_later_flavor_ids_are_fallbacks(start_sim: StartCaip) -> None:
    sim = start_sim(flavor_replicas=1)
    with sim.client(sim.token()) as client:
        def get(job_id: str) -> dict:
            return client.get(f"{_ns(sim)}/batch-trainingjob/{job_id}").json()

        holder = _create(client, sim, _job())
        _until(lambda: get(holder), lambda j: j["status"] == "Running")
        normal = _create(client, sim, _job())
        urgent = _create(client, sim, _job(priorityClassName="train-job-priority-11"))
        fallback = _create(client, sim, _job(flavor_ids=[MLU370, MLU590]))
        started = _until(lambda: get(fallback), lambda j: j["status"] == "Running")
        assert started["subJobs"]["items"][0]["status"]["flavorIndex"] == 1
        assert started["spec"]["flavorInfo"]["id"] == MLU590
        _stop_all(client, sim, holder)
        _until(lambda: get(urgent), lambda j: j["status"] == "Running")
        assert get(normal)["status"] == "Pending"
        for job_id in (normal, urgent, fallback):
            _stop_all(client, sim, job_id)


def test_job_list_filters_histogram_and_paging(start_sim: StartCaip) -> None:
    sim = start_sim(flavor_replicas=2)  # "beta" takes both replicas: "gamma" waits
    with sim.client(sim.token()) as client:
        path = f"{_ns(sim)}/batch-trainingjob"
        done = _create(client, sim, _job("alpha-done", run_s="0"))
        running = _create(client, sim, _job("beta-running", communType="pytorch", spec={"workerCount": 2}))
        waiting = _create(client, sim, _job("gamma-batch", trainingType="batch"))
        _until(lambda: client.get(f"{path}/{running}").json(), lambda j: j["status"] == "Running")
        _until(lambda: client.get(f"{path}/{done}").json(), lambda j: j["status"] == "Completed")
        client.put(f"{path}/{waiting}", json={"metadata": {"name": "gamma-batch"}})  # no-op PUT

        def uids(**params: Any) -> list[str]:
            body = client.get(path, params=params).json()
            return [item["metadata"]["uid"] for item in body["items"]]

        everything = client.get(path).json()
        assert everything["metadata"] == {"total": 3, "status": {"Completed": 1, "Running": 1, "Pending": 1}}
        assert uids() == [waiting, running, done]  # newest first by default
        assert uids(sort="+date") == uids(sort="+created_at") == [done, running, waiting]
        assert uids(sort="-name") == [waiting, running, done]
        assert uids(sort="+date", limit=1, offset=1) == [running]
        assert uids(status="completed") == [done]  # any case
        assert uids(status=["Running", "Completed"]) == uids(status="Running,Completed") == [running, done]
        filtered = client.get(path, params={"status": "Completed"}).json()["metadata"]
        assert filtered["total"] == 1 and sum(filtered["status"].values()) == 3  # histogram: every status
        assert uids(commun_type="pytorch") == [running]
        assert uids(training_type="batch") == [waiting]
        assert uids(name="alpha") == [done]
        assert len(uids(user_id=client.get(f"{path}/{done}").json()["metadata"]["userID"])) == 3
        assert uids(user_id="someone-else") == []
        assert client.get(path, params={"training_type": "weekly"}).status_code == 400
        for job_id in (running, waiting):
            _stop_all(client, sim, job_id)


def test_job_update_allows_labels_and_a_pending_priority_only(start_sim: StartCaip) -> None:
    sim = start_sim(flavor_replicas=1)
    with sim.client(sim.token()) as client:
        path = f"{_ns(sim)}/batch-trainingjob"
        holder = _create(client, sim, _job())
        job_id = _create(client, sim, _job())
        current = client.get(f"{path}/{job_id}").json()
        labelled = current | {"metadata": current["metadata"] | {"labels": [{"name": "nightly", "color": "#00f"}]},
                              "priorityClassName": "train-job-priority-3"}  # fmt: skip
        assert client.put(f"{path}/{job_id}", json=labelled).status_code == 202  # the GET body, echoed back
        updated = client.get(f"{path}/{job_id}").json()
        assert updated["metadata"]["labels"][0]["name"] == "nightly"
        assert updated["priorityClassName"] == "train-job-priority-3"

        changed = current | {"spec": current["spec"] | {"image": "other:1"}}
        assert client.put(f"{path}/{job_id}", json=changed).json()["code"] == 400
        renamed = {"metadata": {"name": "another-name"}}
        assert client.put(f"{path}/{job_id}", json=renamed).status_code == 400
        _until(lambda: client.get(f"{path}/{holder}").json(), lambda j: j["status"] == "Running")
        started = client.get(f"{path}/{holder}").json()
        urgent = {"metadata": started["metadata"], "priorityClassName": "train-job-priority-11"}
        assert client.put(f"{path}/{holder}", json=urgent).status_code == 409  # it runs already
        for uid in (holder, job_id):
            _stop_all(client, sim, uid)


def test_delete_terminates_then_removes_jobs_and_sub_jobs(start_sim: StartCaip) -> None:
    clock = SimClock()  # Terminating is read while the job is surely terminating
    sim = start_sim(flavor_replicas=1, clock=clock)
    until = partial(_until, clock=clock)
    with sim.client(sim.token()) as client:
        path = f"{_ns(sim)}/batch-trainingjob"
        body = _job()
        job_id = _create(client, sim, body)
        job = until(lambda: client.get(f"{path}/{job_id}").json(), lambda j: j["status"] == "Running")
        response = client.delete(f"{path}/{job_id}")
        assert (response.status_code, response.content) == (202, b"")
        deleting = client.get(f"{path}/{job_id}").json()
        assert deleting["status"] == "Terminating" and "deletionTimestamp" in deleting["metadata"]
        assert deleting["subJobs"]["items"][0]["status"]["terminating"] == 1
        assert client.post(f"{path}", json=body).status_code == 409  # the name is still taken
        assert client.put(f"{path}/{job_id}", json={"metadata": body["metadata"]}).status_code == 409
        gone = until(lambda: {"code": client.get(f"{path}/{job_id}").status_code}, lambda r: r["code"] == 404)
        assert gone == {"code": 404}
        sub_uid = job["subJobs"]["items"][0]["metadata"]["uid"]
        assert client.get(f"{_ns(sim)}/trainingjob/{sub_uid}").json()["code"] == 404
        assert _create(client, sim, body)  # the name is free again, and so is the replica

        # A sub-job deleted on its own leaves its parent Terminated once it is gone.
        other = _create(client, sim, _job())
        sub_uid = client.get(f"{path}/{other}").json()["subJobs"]["items"][0]["metadata"]["uid"]
        assert client.delete(f"{_ns(sim)}/trainingjob/{sub_uid}").status_code == 202
        assert client.post(f"{_ns(sim)}/trainingjob/{sub_uid}/stop").status_code == 409
        ended = until(lambda: client.get(f"{path}/{other}").json(), lambda j: j["subJobs"]["items"] == [])
        assert ended["status"] == "Terminated"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"metadata": {"name": "Not_A_DNS_Name"}}, "metadata.name"),
        ({"spec": {"image": ""}}, "spec.image"),
        ({"spec": {"workerCount": 0}}, "spec.workerCount"),
        ({"spec": {"command": "python train.py"}}, "spec.command"),
        ({"spec": {"flavorIDs": []}}, "spec.flavorIDs"),
        ({"spec": {"flavorIDs": [default_flavor_id("mlu370-x1-legacy")]}}, "disabled"),
        ({"spec": {"workerCount": 2}}, "standalone"),
        ({"spec": {"env": [{"name": "SWITCHYARD_SIM_OUTCOME", "value": "maybe"}]}}, "SWITCHYARD_SIM_OUTCOME"),
        ({"communType": "mpi"}, "communType"),
        ({"priorityClassName": "train-job-priority-2"}, "priorityClassName"),
        ({"trainingType": "experiment"}, "experiment"),
        ({"trainingType": "batch", "spec": {"parameterSets": []}}, "parameterSets"),
    ],
)
def test_invalid_jobs_are_refused(api: httpx.Client, sim: CaipSim, change: dict, message: str) -> None:
    body = _job()
    for key, value in change.items():
        body[key] = body.get(key, {}) | value if isinstance(value, dict) else value
    response = api.post(f"{_ns(sim)}/batch-trainingjob", json=body)
    assert (response.status_code, response.json()["code"]) == (400, 400), response.text
    assert message in response.json()["message"]


def test_deprecated_twins_are_read(api: httpx.Client, sim: CaipSim) -> None:
    body = _job(batched=True)
    body["spec"].pop("flavorIDs")
    body["spec"]["flavorID"] = MLU370
    job = api.get(f"{_ns(sim)}/batch-trainingjob/{_create(api, sim, body)}").json()
    assert (job["trainingType"], job["batched"], job["spec"]["flavorIDs"]) == ("batch", True, [MLU370])
    assert api.put(f"{_ns(sim)}/batch-trainingjob/{job['metadata']['uid']}", json=body).status_code == 202
    _stop_all(api, sim, job["metadata"]["uid"])


# --------------------------------------------------------------------------- faults


def test_fault_draws_repeat_after_reseeding(sim: CaipSim) -> None:
    token = sim.token()

    def statuses() -> list[int]:
        sim.put_faults(error_rate=0.5, seed=7)
        with sim.client(token) as client:
            return [client.get("/flavor").status_code for _ in range(12)]

    first = statuses()
    assert set(first) == {200, 500}
    assert statuses() == first
    with sim.client(token) as client:
        sim.put_faults(sold_out=[MLU370])
        refused = client.post(f"{_ns(sim)}/batch-trainingjob", json=_job())
    assert refused.json() == {"code": 422, "message": f"insufficient resources: flavor {MLU370} is sold out"}
