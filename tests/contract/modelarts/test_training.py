"""Training job endpoints beyond the adapter's needs, raw over HTTP: events, log preview, metrics,
tags, engines, flavors, the search list with its filters and paging, update and delete."""

import uuid
from typing import Any

import httpx
import pytest

from tests.contract.modelarts.case import ModelArtsSim
from tests.contract.support import StartSim


def _job_body(name: str | None = None, *, flavor_id: str = "modelarts.vm.cpu.8u", run_s: str = "1",
              **extra: Any) -> dict[str, Any]:
    return {
        "kind": "job",
        "metadata": {"name": name or f"raw-{uuid.uuid4().hex[:10]}", "description": "contract test"},
        "algorithm": {
            "engine": {"image_url": "swr.cn-north-4.myhuaweicloud.com/team/train:1"},
            "command": "python train.py",
            "environments": {"SWITCHYARD_SIM_RUN_SECONDS": run_s},
        },
        "spec": {"resource": {"flavor_id": flavor_id, "node_count": 1}},
        **extra,
    }


def _create(client: httpx.Client, sim: ModelArtsSim, **kwargs: Any) -> dict[str, Any]:
    response = client.post(sim.v2("/training-jobs"), json=_job_body(**kwargs))
    assert response.status_code == 201, response.text
    return response.json()


def _wait_phase(client: httpx.Client, sim: ModelArtsSim, job_id: str, *phases: str) -> dict[str, Any]:
    return sim.wait_for(client, sim.v2(f"/training-jobs/{job_id}"), lambda job: job["status"]["phase"], *phases)


def test_flavors_filter_by_type_and_engines_are_listed(client: httpx.Client, sim: ModelArtsSim) -> None:
    gpu = client.get(sim.v2("/training-job-flavors"), params={"flavor_type": "GPU"}).json()
    assert gpu["total_count"] == len(gpu["flavors"]) == 2
    assert {flavor["flavor_type"] for flavor in gpu["flavors"]} == {"GPU"}
    ascend = client.get(sim.v2("/training-job-flavors"), params={"flavor_type": "Ascend"}).json()
    assert all(isinstance(f["flavor_info"]["npu"]["unit_num"], str) for f in ascend["flavors"])  # [DOC] a String
    assert client.get(sim.v2("/training-job-flavors"), params={"flavor_type": "TPU"}).status_code == 400

    engines = client.get(sim.v2("/training-job-engines")).json()
    assert engines["total"] == len(engines["items"]) >= 3
    assert {"engine_id", "engine_name", "engine_version", "v1_compatible", "run_user", "image_info"} <= set(
        engines["items"][0]
    )


def test_preset_engine_is_resolved_and_an_unknown_one_refused(client: httpx.Client, sim: ModelArtsSim) -> None:
    body = _job_body()
    body["algorithm"] = {"code_dir": "/bucket/code/", "boot_file": "/bucket/code/train.py",
                         "engine": {"engine_id": "pytorch-cp36-1.3.0"}}
    created = client.post(sim.v2("/training-jobs"), json=body).json()
    assert created["algorithm"]["engine"] == {"engine_id": "pytorch-cp36-1.3.0", "engine_name": "PyTorch",
                                              "engine_version": "PyTorch-1.3.0-python3.6"}
    body = _job_body()
    body["algorithm"]["engine"] = {"engine_id": "nope-1.0"}
    body["algorithm"].pop("command")
    body["algorithm"]["engine"].pop("image_url", None)
    body["algorithm"].update({"code_dir": "/bucket/code/", "boot_file": "/bucket/code/train.py"})
    refused = client.post(sim.v2("/training-jobs"), json=body)
    assert (refused.status_code, refused.json()["error_code"]) == (400, "ModelArts.2780")


def test_events_follow_the_lifecycle_with_filters_and_paging(client: httpx.Client, sim: ModelArtsSim) -> None:
    job = _create(client, sim, run_s="0.3")
    job_id = job["metadata"]["id"]
    _wait_phase(client, sim, job_id, "Completed")
    path = sim.v2(f"/training-jobs/{job_id}/events")

    everything = client.get(path, params={"order": "asc"}).json()
    messages = [event["message"] for event in everything["events"]]
    assert messages[0] == "Training job is being created."
    assert "Training job is running." in messages and messages[-1] == "Training job completed."
    assert everything["total"] == len(messages) and everything["order"] == "asc"
    assert everything["events"][0]["time"].endswith("+08:00")  # [DOC] RFC 3339 in Beijing time

    newest_first = client.get(path, params={"limit": 2}).json()
    assert newest_first["order"] == "desc" and newest_first["limit"] == 2
    assert [event["message"] for event in newest_first["events"]] == messages[::-1][:2]
    second_page = client.get(path, params={"limit": 2, "offset": 2}).json()
    assert [event["message"] for event in second_page["events"]] == messages[::-1][2:4]

    jobs_only = client.get(path, params={"source": "Job"}).json()["events"]
    assert {event["source"] for event in jobs_only} == {"Job"}
    tasks = client.get(path, params={"pattern": "worker-0"}).json()["events"]
    assert tasks and all("worker-0" in event["message"] for event in tasks)
    created_ms = job["metadata"]["create_time"]
    window = client.get(path, params={"start_time": created_ms, "end_time": created_ms}).json()
    assert [event["message"] for event in window["events"]] == ["Training job is being created."]

    for bad in ({"start_time": created_ms}, {"limit": 101}, {"level": "Debug"}, {"source": "Pod"}):
        refused = client.get(path, params=bad)
        assert (refused.status_code, refused.json()["error_code"]) == (400, "ModelArts.50004000")


def test_failed_job_events_say_so(client: httpx.Client, sim: ModelArtsSim) -> None:
    body = _job_body(run_s="0.2")
    body["algorithm"]["environments"]["SWITCHYARD_SIM_OUTCOME"] = "failed"
    job_id = client.post(sim.v2("/training-jobs"), json=body).json()["metadata"]["id"]
    _wait_phase(client, sim, job_id, "Failed")
    errors = client.get(sim.v2(f"/training-jobs/{job_id}/events"), params={"level": "Error"}).json()["events"]
    assert [event["message"] for event in errors] == ["Training job failed."]


def test_logs_and_metrics_are_not_ready_before_the_start(start_sim: StartSim) -> None:
    sim = start_sim(creating_s=0.3)
    with sim.client(sim.raw_token()) as client:
        job_id = _create(client, sim, run_s="0.5")["metadata"]["id"]
        preview = sim.v2(f"/training-jobs/{job_id}/tasks/worker-0/logs/preview")
        metrics = sim.v2(f"/training-jobs/{job_id}/metrics/worker-0")
        # [DOC] 204 (ModelArts.2776 / 2777) while the job has not produced anything yet.
        assert (client.get(preview).status_code, client.get(preview).content) == (204, b"")
        assert client.get(metrics).status_code == 204
        unknown = client.get(sim.v2(f"/training-jobs/{job_id}/tasks/worker-9/logs/preview"))
        assert (unknown.status_code, unknown.json()["error_code"]) == (400, "ModelArts.2788")

        _wait_phase(client, sim, job_id, "Completed")
        log = client.get(preview).json()
        assert log["content"].startswith("[worker-0] ==> image: ") and log["content"].endswith("exit status 0\n")
        assert log["current_size"] == log["full_size"] == len(log["content"].encode())
        series = {item["metric"]: item["value"] for item in client.get(metrics).json()["metrics"]}
        assert set(series) == {"cpuUsage", "memUsage", "gpuUtil", "gpuMemUsage", "npuUtil", "npuMemUsage"}
        assert series["gpuUtil"] == [-1] and series["npuUtil"] == [-1]  # a CPU job: no data, as -1


def test_tags_are_created_overwritten_listed_and_deleted(client: httpx.Client, sim: ModelArtsSim) -> None:
    job_id = _create(client, sim)["metadata"]["id"]
    tags = sim.v2(f"/trainJob/{job_id}/tags")
    created = client.post(f"{tags}/create", json={"tags": [{"key": "team", "value": "vision"},
                                                           {"key": "k3", "value": "v2"}]})
    assert (created.status_code, created.content) == (204, b"")
    client.post(f"{tags}/create", json={"tags": [{"key": "team", "value": "nlp"}]})
    assert client.get(tags).json() == {"tags": [{"key": "team", "value": "nlp"}, {"key": "k3", "value": "v2"}]}

    deleted = client.request("DELETE", f"{tags}/delete", json={"tags": [{"key": "k3", "value": "other"},
                                                                        {"key": "team"}]})
    assert deleted.status_code == 204
    assert client.get(tags).json() == {"tags": [{"key": "k3", "value": "v2"}]}  # value must match when given

    for bad in ({"tags": [{"key": "_sys_x", "value": "v"}]}, {"tags": [{"key": " padded", "value": "v"}]},
                {"tags": [{"key": "k", "value": "v" * 256}]}, {"tags": []}):
        assert client.post(f"{tags}/create", json=bad).json()["error_code"] == "ModelArts.2788"
    missing = client.get(sim.v2(f"/trainJob/{uuid.uuid4()}/tags"))
    assert (missing.status_code, missing.json()["error_code"]) == (400, "ModelArts.2775")


def test_description_update_and_delete(client: httpx.Client, sim: ModelArtsSim) -> None:
    job_id = _create(client, sim, run_s="30")["metadata"]["id"]
    path = sim.v2(f"/training-jobs/{job_id}")
    updated = client.put(path, json={"description": "renamed"})
    assert (updated.status_code, updated.json()) == (200, None)  # [DOC] 200 with a null body
    assert client.get(path).json()["metadata"]["description"] == "renamed"
    assert (client.delete(path).status_code, client.get(path).json()["error_code"]) == (202, "ModelArts.2775")


def test_terminate_twice_is_a_state_conflict(client: httpx.Client, sim: ModelArtsSim) -> None:
    job_id = _create(client, sim, run_s="30")["metadata"]["id"]
    actions = sim.v2(f"/training-jobs/{job_id}/actions")
    first = client.post(actions, json={"action_type": "terminate"})
    assert (first.status_code, first.json()["status"]["phase"]) == (202, "Terminating")
    again = client.post(actions, json={"action_type": "terminate"})
    assert (again.status_code, again.json()["error_code"]) == (409, "ModelArts.2796")
    unsupported = client.post(actions, json={"action_type": "restart"})
    assert unsupported.json()["error_code"] == "ModelArts.2812"


@pytest.mark.parametrize("offset_mode", ["page", "record"])
def test_search_pages_filters_and_counts(start_sim: StartSim, offset_mode: str) -> None:
    sim = start_sim(search_offset_mode=offset_mode)
    with sim.client(sim.raw_token()) as client:
        names = [f"search-{index:02d}" for index in range(7)]
        for name in names:
            _create(client, sim, name=name, run_s="30")
        _create(client, sim, name="other-job", run_s="30")
        path = sim.v2("/training-job-searches")
        like = [{"key": "name", "operator": "like", "value": ["search-"]}]

        pages = []
        for page in range(3):
            offset = page if offset_mode == "page" else page * 3
            body = {"offset": offset, "limit": 3, "sort_by": "create_time", "order": "asc", "filters": like}
            answer = client.post(path, json=body).json()
            assert (answer["total"], answer["count"], answer["limit"], answer["offset"]) == (8, 7, 3, offset)
            assert (answer["workspace_id"], answer["ai_project"]) == ("0", "default-ai-project")
            pages.append([item["metadata"]["name"] for item in answer["items"]])
        assert pages == [names[0:3], names[3:6], names[6:7]]

        newest = client.post(path, json={"limit": 1, "filters": like}).json()["items"]
        assert [item["metadata"]["name"] for item in newest] == [names[-1]]  # [DOC] desc by default

        # The doc's own example: unused filters carry blank values.
        doc_example = like + [
            {"key": "create_time", "operator": "between", "value": ["", ""]},
            {"key": "phase", "operator": "in", "value": [""]},
            {"key": "algorithm_name", "operator": "like", "value": [""]},
            {"key": "kind", "operator": "in", "value": []},
            {"key": "user_id", "operator": "in", "value": [""]},
        ]
        assert client.post(path, params={"limit": 1}, json={"limit": 50, "filters": doc_example}).json()["count"] == 7
        exact = [{"key": "name", "operator": "in", "value": ["other-job"]}]
        assert client.post(path, json={"filters": exact}).json()["count"] == 1
        not_pending = [{"key": "phase", "operator": "not", "value": ["Creating", "Pending", "Running"]}]
        assert client.post(path, json={"filters": not_pending}).json()["count"] == 0

        errors = {
            "ModelArts.2807": {"filters": [{"key": "owner", "operator": "in", "value": ["x"]}]},
            "ModelArts.2808": {"filters": [{"key": "name", "operator": "between", "value": ["x"]}]},
            "ModelArts.2809": {"filters": [{"key": "phase", "operator": "in", "value": ["Sleeping"]}]},
            "ModelArts.2790": {"sort_by": "name"},
            "ModelArts.0101": {"limit": 51},
        }
        for code, body in errors.items():
            refused = client.post(path, json=body)
            assert (refused.status_code, refused.json()["error_code"]) == (400, code)
