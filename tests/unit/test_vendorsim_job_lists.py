"""Each simulator's `GET /_sim/jobs` lists every job created through the vendor's own create code, by name, so a
test can count the vendor jobs a client made (the chaos suite: one vendor job per placement)."""

from fastapi.testclient import TestClient

from services.vendors.base import SubmitRequest

NOW = 1_700_000_000.0


def _request(name: str, flavor_id: str) -> SubmitRequest:
    return SubmitRequest(name=name, kind="training", image="swr.example/team/pytorch:2.1", command="python train.py",
                         env={"SWITCHYARD_SIM_RUN_SECONDS": "3600"}, flavor_id=flavor_id)


def _names(client: TestClient) -> list[str]:
    answer = client.get("/_sim/jobs")
    assert answer.status_code == 200, answer.text
    return sorted(row["name"] for row in answer.json())


def test_modelarts_lists_every_training_job():
    from services.vendors.modelarts.wire import training_body
    from services.vendorsim.modelarts import ModelArtsSimConfig, create_app
    from services.vendorsim.modelarts.training import FLAVORS

    client = TestClient(create_app(ModelArtsSimConfig(clock=lambda: NOW)))
    assert _names(client) == []
    bodies = [training_body(_request(f"sy-{i}", FLAVORS[0].flavor_id)) for i in range(2)]
    client.post("/_sim/seed", json={"bodies": bodies}).raise_for_status()
    assert _names(client) == ["sy-0", "sy-1"]


def test_caip_lists_every_job():
    from services.vendors.caip import CaipAdapter
    from services.vendorsim.caip import CaipSimConfig, create_app

    config = CaipSimConfig(clock=lambda: NOW)
    client = TestClient(create_app(config))
    token = client.post("/api/auth/v3/login/internal", json={"identity": config.username, "password": config.password})
    headers = {"X-Auth-Token": token.headers["X-Subject-Token"]}
    flavor = client.get("/v2/flavor", headers=headers, params={"limit": 0}).json()["items"][0]["id"]
    assert _names(client) == []
    client.post(f"/v2/namespace/{config.namespace}/batch-trainingjob", headers=headers,
                json=CaipAdapter()._job_body(_request("sy-created", flavor))).raise_for_status()
    assert _names(client) == ["sy-created"]


def test_aispace_lists_every_task_with_its_runs():
    from services.vendors.aispace.settings import AISpaceSettings
    from services.vendors.aispace.wire import training_job
    from services.vendorsim.aispace import AISpaceSimConfig, create_app

    config = AISpaceSimConfig(clock=lambda: NOW, auth="off")
    client = TestClient(create_app(config))
    listed = client.post("/api/aidp/v1/resource/list", params={"requestInfo": config.region},
                         headers={"x-regionid": config.region},
                         json={"pageNum": 1, "pageSize": 50, "specType": "compute"}).json()
    package = next(item["resourceId"] for item in listed["data"]["list"] if item["name"] == config.packages[-1].name)
    body = training_job(_request("sy-seeded", package), AISpaceSettings(project_id=config.project_id))
    client.post("/_sim/seed/slm", json={"bodies": [body]}).raise_for_status()
    [row] = client.get("/_sim/jobs").json()
    assert (row["name"], row["runs"], row["job_id"].startswith("slm:")) == ("sy-seeded", 1, True)
