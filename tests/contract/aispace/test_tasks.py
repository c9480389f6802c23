"""Training jobs (section 11), LLM task containers and tasks (section 7) and evaluations, over HTTP."""

import json
import re
from typing import Any

import pytest

from tests.contract.aispace.case import ALPHA, V1, AISpaceSim, package
from tests.contract.support import SimClock, StartSim, unique_name, wait_until

R = {"requestInfo": "region1"}
LLM = ("pt", "sft", "dpo", "rw", "ppo")
SPACED = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"


def training_body(sim: AISpaceSim, name: str, run_seconds: str = "1", **change: Any) -> dict[str, Any]:
    """The 11.2 table's fields (projectId and project_id, resourceId and the examples' resource_id)."""
    envs = [{"key": "SWITCHYARD_SIM_RUN_SECONDS", "value": run_seconds}, {"key": "KEY", "value": "Value"}]
    resource_id = package(sim, "calculate")["resourceId"]
    return {
        "projectId": sim.config.project_id, "project_id": 8, "name": name, "maas_task_type": "slm",
        "billing_mode": "resourcePool", "label": "test", "images": "image.ccos.io/iaas_pub/notebook:vscode-gpu",
        "command": "sleep 30", "spec_type": "compute", "resourceId": resource_id, "resource_id": resource_id,
        "node_selector": "train=true",
        "expand": json.dumps({"trainWorkArgs": {"imageType": "preset", "envs": envs}}),
    } | change  # fmt: skip


def show(sim: AISpaceSim, kind: str, task_id: int, alias: str = "maas_task_modelview") -> dict[str, Any]:
    return sim.ok("GET", f"{ALPHA}/{alias}/{kind}/api/{task_id}", query=R)["result"]


def test_training_job_lifecycle(start_sim: StartSim) -> None:
    clock = SimClock()  # Pending is read, and run again refused, while the task surely is pending
    sim = start_sim(clock=clock)
    name = unique_name("train")
    created = sim.ok("POST", f"{ALPHA}/maas_task_modelview/slm/api/", body=training_body(sim, name))
    result = created["data"]["result"]
    assert created["code"] == "Success" and created["data"]["status"] == 0
    assert (result["name"], result["maas_task_type"], result["project_id"]) == (name, "slm", sim.config.project_id)
    assert (result["resource_cpu"], result["resource_gpu"], result["resource_memory"]) == ("16", "1(H800)", "100G")
    assert result["workers"] == 1 and result["status"] == ""
    task_id = result["id"]

    never_run = show(sim, "slm", task_id)  # [INFER] read
    assert never_run["status"] == "" and never_run["last_run_time"] == "未知"
    assert "elapsed_time" not in never_run and "percentage" not in never_run  # list fields, not the detail's
    assert never_run["final_status"].endswith("&nbsp;&nbsp;未知") and "<svg" in never_run["final_status"]

    assert sim.ok("GET", f"{ALPHA}/maas_task_modelview/slm/api/maas_run/{task_id}") == {
        "message": "success", "result": {}, "status": 0,
    }  # fmt: skip
    pending = show(sim, "slm", task_id)
    assert pending["status"] == "Pending" and re.fullmatch(SPACED, pending["last_run_time"])
    wait_until(lambda: show(sim, "slm", task_id)["status"] == "Running", clock=clock)
    done = wait_until(lambda: (t := show(sim, "slm", task_id))["status"] == "Succeeded" and t, clock=clock)
    assert done["final_status"] == "Succeeded"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}", done["changed_on"])
    assert done["changed_on"] >= done["created_on"]

    # Ended tasks may run again.
    sim.ok("GET", f"{ALPHA}/maas_task_modelview/slm/api/maas_run/{task_id}")
    again = sim.call("GET", f"{ALPHA}/maas_task_modelview/slm/api/maas_run/{task_id}")
    assert again.status_code == 409 and again.json()["status"] == 1  # already running: envelope B error
    sim.ok("GET", f"{ALPHA}/maas_task_modelview/slm/api/stop/{task_id}")
    assert show(sim, "slm", task_id)["status"] == "Terminated"
    sim.ok("GET", f"{ALPHA}/maas_task_modelview/slm/api/stop/{task_id}")  # stopping again changes nothing

    deleted = sim.ok("DELETE", f"{V1}/deleteInstance", query={"id": str(task_id), "type": "5"})
    assert deleted["data"]["result"]["is_deleted"] == "true"
    assert sim.call("GET", f"{ALPHA}/maas_task_modelview/slm/api/{task_id}").status_code == 404


def test_training_job_edit_and_failure(sim: AISpaceSim) -> None:
    name = unique_name("train")
    task_id = sim.ok("POST", f"{ALPHA}/maas_task_modelview/slm/api/", body=training_body(sim, name))["data"]["result"][
        "id"
    ]
    envs = [{"key": "SWITCHYARD_SIM_RUN_SECONDS", "value": "0.3"}, {"key": "SWITCHYARD_SIM_OUTCOME", "value": "failed"}]
    # The edit example sends `expand` as an object.
    edit = training_body(sim, name) | {"expand": {"trainWorkArgs": {"envs": envs}}, "command": "sleep 60"}
    edited = sim.ok("PUT", f"{ALPHA}/maas_task_modelview/slm/api/{task_id}", body=edit)["data"]["result"]
    assert edited["command"] == "sleep 60" and isinstance(edited["expand"], str)
    sim.ok("GET", f"{ALPHA}/maas_task_modelview/slm/api/maas_run/{task_id}")
    assert wait_until(lambda: (s := show(sim, "slm", task_id)["status"]) in ("Failed", "Succeeded") and s) == "Failed"


def test_training_jobs_list_with_form_data(sim: AISpaceSim) -> None:
    name = unique_name("train")
    sim.ok("POST", f"{ALPHA}/maas_task_modelview/slm/api/", body=training_body(sim, name))
    form = {"page": 0, "page_size": 5, "str_related": 1, "filters": [{"col": "name", "opr": "eq", "value": name}]}
    listed = sim.ok("GET", f"{ALPHA}/maas_task_modelview/slm/api/", query={"form_data": json.dumps(form)})
    assert listed["result"]["count"] == 1 and listed["result"]["data"][0]["name"] == name


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"maas_task_type": "sft"}, "InvalidParameter"),
        ({"projectId": None, "project_id": None}, "InvalidParameter"),
        ({"expand": "not json"}, "InvalidParameter"),
        ({"resourceId": None, "resource_id": None}, "InvalidParameter"),
    ],
)
def test_bad_training_jobs_are_refused(sim: AISpaceSim, change: dict[str, Any], code: str) -> None:
    response = sim.call("POST", f"{ALPHA}/maas_task_modelview/slm/api/", body=training_body(sim, unique_name("t")) | change)
    assert response.json()["code"] == code


def test_a_sold_out_package_refuses_work(sim: AISpaceSim) -> None:
    sim.put_faults(sold_out=["calculate"])
    response = sim.call("POST", f"{ALPHA}/maas_task_modelview/slm/api/", body=training_body(sim, unique_name("t")))
    assert (response.status_code, response.json()["code"]) == (409, "InsufficientResource")


# --------------------------------------------------------------------------- LLM tasks


def container(sim: AISpaceSim, kind: str, name: str, path_tail: str = "") -> dict[str, Any]:
    body = {"project": sim.config.project_id, "name": name, "describe": "test"}
    created = sim.ok("POST", f"{ALPHA}/maas_modelview/{kind}/api{path_tail}", body=body)
    assert created["status"] == 0 and set(created["result"]) == {"describe", "id", "name", "project"}
    return created["result"]


def llm_body(sim: AISpaceSim, box: dict[str, Any], name: str, **args: Any) -> dict[str, Any]:
    """The 7.2 table's fields, as the example fills them (maas as a string, project_id as in the example)."""
    return {
        "jobname": box["name"], "name": name, "label": name, "storage_type": 0, "billing_mode": "resourcePool",
        "bill_gui": "defaultBill", "spec_type": "compute", "node_selector": "train=true", "workers": 1,
        "resource_id": package(sim, "calculate2H80050c")["resourceId"], "framework": "deepspeed", "ft_type": "lora",
        "level": "L0", "advanced_mode": "close", "framework_template": "stage2", "aihub_id": 41, "lab_id": 2,
        "maas_task_parent_id": None, "model_path": None, "model_type": None, "project_id": sim.config.project_id,
        "dataset_ids": "[115]", "maas": str(box["id"]),
        "args": json.dumps({"MAX_LENGTH": 1024, "LEARNING_RATE": 0.00005, "EPOCH": 3, **args}),
        "framework_config": {"train_batch_size": "auto", "zero_optimization": {"stage": 2}},
    }  # fmt: skip


@pytest.mark.parametrize("kind", LLM)
def test_llm_task_lifecycle(sim: AISpaceSim, kind: str) -> None:
    box = container(sim, kind, unique_name("box"), "/" if kind == "sft" else "")
    name = unique_name(kind)
    path = f"{ALPHA}/maas_task_modelview/{kind}/api"
    created = sim.ok("POST", path, query=R, body=llm_body(sim, box, name, SWITCHYARD_SIM_RUN_SECONDS="0.5"))
    result = created["data"]["result"]
    # cpu/gpu/memory come from the package [DOC]; args and framework_config come back as objects.
    assert (result["resource_cpu"], result["resource_gpu"], result["resource_memory"]) == ("50", "2(H800)", "200G")
    assert isinstance(result["args"], dict) and result["model_type"] == "llama2_zh"
    assert result["dataset_ids"] == "[115]" and result["node_selector"] == "train=true,gpu=true"
    task_id = result["id"]

    detail = show(sim, kind, task_id)
    assert detail["aihub"]["name"] == "chinese-llama-2-7b" and detail["aihub"]["model_class"] == "LLM"
    assert (
        detail["maas"]["id"] == box["id"]
        and detail["maas"]["alert_status"] == "Pending,Running,Succeeded,Failed,Terminated"
    )
    assert detail["epoch"] == 3.0 and detail["status"] == ""

    edited = sim.ok("PUT", f"{path}/{task_id}", query=R, body=llm_body(sim, box, name, EPOCH=5))["data"]["result"]
    assert isinstance(edited["args"], str) and json.loads(edited["args"])["EPOCH"] == 5

    assert sim.ok("GET", f"{path}/maas_run/{task_id}")["status"] == 0
    done = wait_until(lambda: (t := show(sim, kind, task_id, "maas_task"))["status"] == "Succeeded" and t)
    assert done["output_dir"] == f"/mnt/workspace/maas/{kind}/{box['id']}/{task_id}"
    assert done["run_id"] == f"run-{box['id']}-{task_id}" and done["task_argo_id"].startswith(f"{name}-")
    assert re.fullmatch(SPACED, done["last_run_time"])

    sim.ok("GET", f"{path}/maas_run/{task_id}")
    assert sim.ok("GET", f"{path}/stop/{task_id}", query=R) == {"message": "success", "result": {}, "status": 0}
    assert show(sim, kind, task_id)["status"] == "Terminated"

    deleted = sim.ok(
        "DELETE", f"{V1}/deleteInstance", query={"requestInfo": "region1", "id": str(task_id), "type": "5"}
    )
    assert deleted["data"]["result"]["is_deleted"] == "true" and isinstance(deleted["data"]["result"]["args"], str)
    gone = sim.ok("DELETE", f"{ALPHA}/maas_modelview/{kind}/api/{box['id']}", query=R)["result"]
    assert gone["describe"] == "test(废弃)" and gone["namespace"] == "pipeline" and gone["type"] == kind


def test_llm_tasks_list_by_container_with_both_path_spellings(sim: AISpaceSim) -> None:
    box, other = container(sim, "sft", unique_name("box")), container(sim, "sft", unique_name("box"))
    names = [unique_name("sft") for _ in range(3)]
    for name in names:
        sim.ok("POST", f"{ALPHA}/maas_task_modelview/sft/api/", query=R, body=llm_body(sim, box, name))
    sim.ok("POST", f"{ALPHA}/maas_task_modelview/sft/api", query=R, body=llm_body(sim, other, unique_name("sft")))
    form = {
        "page": 0,
        "page_size": 2,
        "str_related": 1,
        "filters": [{"col": "maas", "opr": "rel_o_m", "value": str(box["id"])}],
    }
    for path in (f"{ALPHA}/maas_task_modelview/sft/api", f"{ALPHA}/maas_task/sft/api/"):
        first = sim.ok("GET", path, query={"requestInfo": "region1", "form_data": json.dumps(form)})["result"]
        second = sim.ok("GET", path, query={"requestInfo": "region1", "form_data": json.dumps(form | {"page": 1})})[
            "result"
        ]
        assert first["count"] == second["count"] == 3
        listed = [row["name"] for row in first["data"] + second["data"]]
        assert listed == list(reversed(names))  # newest first
        row = first["data"][0]
        assert row["maas"] == box["name"] and row["aihub"] == "chinese-llama-2-7b"  # str_related renders names
        assert row["elapsed_time"] == "未知" and row["percentage"] == "--"
    plain = sim.ok(
        "GET", f"{ALPHA}/maas_task_modelview/sft/api", query={"form_data": json.dumps(form | {"str_related": 0})}
    )
    assert plain["result"]["data"][0]["maas"] == box["id"]


def test_llm_tasks_check_their_container(sim: AISpaceSim) -> None:
    box = container(sim, "dpo", unique_name("box"))
    wrong_name = llm_body(sim, box, unique_name("dpo")) | {"jobname": "someone-else"}
    assert (
        sim.call("POST", f"{ALPHA}/maas_task_modelview/dpo/api", query=R, body=wrong_name).json()["code"]
        == "InvalidParameter"
    )
    wrong_type = llm_body(sim, box, unique_name("ppo"))
    assert (
        sim.call("POST", f"{ALPHA}/maas_task_modelview/ppo/api", query=R, body=wrong_type).json()["code"]
        == "ResourceNotFound"
    )
    duplicate = sim.call(
        "POST", f"{ALPHA}/maas_modelview/dpo/api", body={"project": 36, "name": box["name"], "describe": ""}
    )
    assert duplicate.status_code == 409 and duplicate.json()["status"] == 1


def test_containers_are_listed_and_labs_share_the_table(sim: AISpaceSim) -> None:
    box = container(sim, "pt", unique_name("box"))
    form = {"filters": [{"col": "name", "opr": "eq", "value": box["name"]}]}
    listed = sim.ok("GET", f"{ALPHA}/maas_modelview/pt/api/", query={"form_data": json.dumps(form)})  # [INFER]
    assert [row["id"] for row in listed["result"]["data"]] == [box["id"]]
    lab = container(sim, "lab", unique_name("lab"), "/")
    gone = sim.ok("DELETE", f"{ALPHA}/maas_modelview/lab/api/{lab['id']}")["result"]
    assert gone["type"] == "lab" and gone["describe"].endswith("(废弃)")


# --------------------------------------------------------------------------- evaluations


def evaluation_body(sim: AISpaceSim, name: str, **change: Any) -> dict[str, Any]:
    """The 7.9 example."""
    big, small = package(sim, "calculate2H80050c")["resourceId"], package(sim, "calculate")["resourceId"]
    return {
        "name": name, "description": "", "storage_type": "0", "spec_type": "compute", "type": 2, "datasetId": 115,
        "datasetName": "我的数据集>pt-train", "aihub": 41, "maas_task_parent": "", "model_type": "", "model_path": "",
        "evalStandardConf": {"evalMode": "manual", "stopWordsPath": "", "evaluationDimension": [
            {"dimension": "满意度", "description": "", "key": 1},
            {"dimension": "真实性", "description": "", "key": 2}]},
        "projectId": sim.config.project_id, "specCode": "calculate2H80050c", "specCPU": "50", "specGpu": "2(H800)",
        "specMemory": "200", "task_specCPU": "2", "task_specGpu": "1", "task_specMemory": "8",
        "task_specCode": "standardPlus", "resource_id": big, "service_resource_id": small,
    } | change  # fmt: skip


@pytest.mark.parametrize("alias", ["maas_evaluation_modelview", "maas_evaluation"])
def test_evaluation_lifecycle(sim: AISpaceSim, alias: str) -> None:
    base = f"{ALPHA}/{alias}/api/evaluation"
    name = unique_name("eval")
    saved = sim.ok("POST", f"{base}/save", query=R, body=evaluation_body(sim, name))
    assert saved["data"] == {"code": "", "message": "success", "result": {}, "status": 0}  # [DOC] no id
    form = {"filters": [{"col": "name", "opr": "eq", "value": name}]}
    (row,) = sim.ok("GET", f"{ALPHA}/{alias}/api/", query={"form_data": json.dumps(form)})["result"]["data"]
    eval_id = row["evaluationId"]

    sim.ok("PUT", f"{base}/save", query=R, body=evaluation_body(sim, name, id=eval_id, description="edited"))
    detail = sim.ok("POST", f"{base}/detail", query=R, body={"id": str(eval_id)})["result"]  # example: POST
    assert detail["description"] == "edited" and detail["state"] == ""
    assert detail["modelInfoConf"]["model_name"] == "chinese-llama-2-7b" and detail["datasetId"] == "115"

    # The table says POST, the example GETs with a body: both start it.
    start_method = "POST" if alias == "maas_evaluation" else "GET"
    assert sim.ok(start_method, f"{base}/start", query=R, body={"id": eval_id})["status"] == 0
    wait_until(lambda: sim.ok("GET", f"{base}/detail", query=R, body={"id": eval_id})["result"]["state"] == "Running")
    assert sim.ok("GET", f"{base}/stop", query=R, body={"id": eval_id}) == {
        "message": "success",
        "result": {},
        "status": 0,
    }
    assert sim.ok("GET", f"{base}/detail", query=R, body={"id": eval_id})["result"]["state"] == "Stopped"

    deleted = sim.ok("GET", f"{base}/delete", query=R, body={"evalIds": [str(eval_id)]})
    assert deleted["code"] == "Success"
    assert sim.call("POST", f"{base}/detail", query=R, body={"id": eval_id}).status_code == 404


def test_evaluation_delete_accepts_the_tables_spelling(sim: AISpaceSim) -> None:
    name = unique_name("eval")
    sim.ok("POST", f"{ALPHA}/maas_evaluation_modelview/api/evaluation/save", query=R, body=evaluation_body(sim, name))
    form = {"filters": [{"col": "name", "opr": "eq", "value": name}]}
    (row,) = sim.ok("GET", f"{ALPHA}/maas_evaluation_modelview/api", query={"form_data": json.dumps(form)})["result"][
        "data"
    ]
    sim.ok("POST", f"{ALPHA}/maas_evaluation_modelview/api/evaluation/delete", query=R, body={"evalids": [row["id"]]})
    missing = sim.call(
        "POST", f"{ALPHA}/maas_evaluation_modelview/api/evaluation/save", query=R,
        body=evaluation_body(sim, name, aihub=7),
    )
    assert missing.json()["code"] == "InvalidParameter"
