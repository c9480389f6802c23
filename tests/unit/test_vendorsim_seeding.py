"""The simulators' bulk seeding aid (`POST /_sim/seed`): jobs created through each simulator's own create
code, with their own pending time, looking like jobs created through the vendor's create API."""

import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient

from services.vendors.base import SubmitRequest
from services.vendorsim.seeding import parse_seed_request

NOW = 1_700_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def _request(name: str, flavor_id: str) -> SubmitRequest:
    return SubmitRequest(name=name, kind="training", image="swr.example/team/pytorch:2.1", command="python train.py",
                         env={"SWITCHYARD_SIM_RUN_SECONDS": "3600"}, flavor_id=flavor_id)


def test_seed_request_spreads_the_pending_time():
    seed = parse_seed_request({"bodies": [{}, {}, {}, {}], "pending_s": 10, "spread_s": 8})
    assert [seed.pending(i) for i in range(4)] == [10, 12, 14, 16]
    assert parse_seed_request({"bodies": []}).pending(0) is None  # the simulator's own pending time
    for bad in ({}, {"bodies": {}}, {"bodies": [], "pending_s": -1}, {"bodies": [], "spread_s": 5}):
        with pytest.raises(HTTPException):
            parse_seed_request(bad)


def test_caip_seeded_jobs_list_and_start_like_created_ones():
    from services.vendors.caip import CaipAdapter
    from services.vendorsim.caip import CaipSimConfig, create_app

    clock = Clock()
    config = CaipSimConfig(clock=clock, pending_s=1)
    client = TestClient(create_app(config))
    token = client.post("/api/auth/v3/login/internal", json={"identity": config.username, "password": config.password})
    headers = {"X-Auth-Token": token.headers["X-Subject-Token"]}
    flavor = client.get("/v2/flavor", headers=headers, params={"limit": 0}).json()["items"][0]["id"]
    adapter = CaipAdapter()
    jobs_path = f"/v2/namespace/{config.namespace}/batch-trainingjob"
    created = client.post(jobs_path, headers=headers, json=adapter._job_body(_request("sy-created", flavor))).json()
    bodies = [adapter._job_body(_request(f"sy-seeded-{i}", flavor)) for i in range(2)]
    answer = client.post("/_sim/seed", json={"bodies": bodies, "pending_s": 5, "spread_s": 10}).json()
    assert [(row["name"], row["status"], row["ready_at"]) for row in answer] == [
        ("sy-seeded-0", "Pending", NOW + 5), ("sy-seeded-1", "Pending", NOW + 10)]

    def shape(item):  # what may differ between two jobs: ids, names, times
        return {key: value for key, value in item.items() if key not in ("metadata", "spec", "subJobs")}
    one = client.get(f"{jobs_path}/{created['id']}", headers=headers).json()
    seeded = client.get(f"{jobs_path}/{answer[0]['id']}", headers=headers).json()
    assert shape(seeded) == shape(one)
    assert seeded["spec"] == one["spec"]
    assert seeded["metadata"].keys() == one["metadata"].keys()

    clock.now = NOW + 6
    listed = client.get(jobs_path, headers=headers, params={"limit": 0}).json()["items"]
    assert {item["metadata"]["name"]: item["status"] for item in listed} == {
        "sy-created": "Running", "sy-seeded-0": "Running", "sy-seeded-1": "Pending"}


def test_qizhi_seeded_jobs_read_like_created_ones():
    from services.vendorsim.qizhi import QizhiSimConfig, create_app
    from services.vendorsim.qizhi.catalog import SPECS

    clock = Clock()
    config = QizhiSimConfig(clock=clock, capacity=8)
    client = TestClient(create_app(config))
    token = client.post("/auth/token", json={"username": config.username, "password": config.password}).json()
    headers = {"Authorization": f"Bearer {token['data']['access_token']}"}
    spec = SPECS[0]

    def body(name: str) -> dict:
        return {"name": name, "project_id": config.project_id, "workspace_id": config.workspace_id,
                "logic_compute_group_id": spec.lcg.lcg_id, "framework": "pytorch", "command": "python train.py",
                "task_priority": 1, "envs": [{"name": "SWITCHYARD_SIM_RUN_SECONDS", "value": "3600"}],
                "framework_config": [{"spec_id": spec.spec_id, "image": "img:1", "instance_count": 1}]}

    created = client.post("/openapi/v1/train_job/create", headers=headers, json=body("sy-created")).json()["data"]
    answer = client.post("/_sim/seed", json={"bodies": [body("sy-seeded")], "pending_s": 30}).json()
    assert answer[0]["status"] == "job_queuing" and answer[0]["ready_at"] == NOW + 30

    def detail(job_id: str) -> dict:
        return client.post("/openapi/v1/train_job/detail", headers=headers, json={"job_id": job_id}).json()["data"]
    one, seeded = detail(created["job_id"]), detail(answer[0]["id"])
    assert seeded.keys() == one.keys()
    own = ("job_id", "name", "sub_msg")  # sub_msg: the seeded job is second in its spec's queue
    assert {k: v for k, v in seeded.items() if k not in own} == {k: v for k, v in one.items() if k not in own}
    clock.now = NOW + 30 + config.creating_s + 1  # ready at +30, then job_creating for creating_s
    assert detail(answer[0]["id"])["status"] == "job_running"
    assert client.get("/_sim/stats").json()["calls"].get("/_sim/seed") is None  # not a vendor call


def test_modelarts_and_aispace_seed_through_their_create_code():
    from services.vendors.aispace.settings import AISpaceSettings
    from services.vendors.aispace.wire import training_job
    from services.vendors.modelarts.wire import training_body
    from services.vendorsim.aispace import AISpaceSimConfig
    from services.vendorsim.aispace import create_app as aispace_app
    from services.vendorsim.modelarts import ModelArtsSimConfig
    from services.vendorsim.modelarts import create_app as modelarts_app
    from services.vendorsim.modelarts.training import FLAVORS

    clock = Clock()
    modelarts = TestClient(modelarts_app(ModelArtsSimConfig(clock=clock, creating_s=0)))
    bodies = [training_body(_request(f"sy-seeded-{i}", FLAVORS[0].flavor_id)) for i in range(2)]
    answer = modelarts.post("/_sim/seed", json={"bodies": bodies, "pending_s": 4, "spread_s": 2}).json()
    assert [(row["status"], row["ready_at"]) for row in answer] == [("Pending", NOW + 4), ("Pending", NOW + 5)]
    again = modelarts.post("/_sim/seed", json={"bodies": bodies[:1]})  # the create code's own checks apply
    assert again.status_code == 400 and "DuplicateTrainingJobName" in again.text

    config = AISpaceSimConfig(clock=clock, auth="off")
    aispace = TestClient(aispace_app(config))
    listed = aispace.post("/api/aidp/v1/resource/list", params={"requestInfo": config.region},
                          headers={"x-regionid": config.region},
                          json={"pageNum": 1, "pageSize": 50, "specType": "compute"}).json()
    package = next(item["resourceId"] for item in listed["data"]["list"] if item["name"] == config.packages[-1].name)
    body = training_job(_request("sy-seeded", package), AISpaceSettings(project_id=config.project_id))
    answer = aispace.post("/_sim/seed/slm", json={"bodies": [body], "pending_s": 7}).json()
    assert answer[0]["status"] == "Pending" and answer[0]["ready_at"] == NOW + 7

