"""Notebooks (section 2) and online services (section 3), with the inferred status reads, over HTTP."""

import json
import re
from typing import Any

import pytest

from tests.contract.aispace.case import ALPHA, V1, AISpaceSim, package
from tests.contract.support import SimClock, StartSim, unique_name, wait_until

R = {"requestInfo": "region1"}


def notebook_body(sim: AISpaceSim, name: str, **change: Any) -> dict[str, Any]:
    """The 2.2 table's fields, as the document's example fills them."""
    return {
        "project": sim.config.project_id, "name": name, "describe": "1841132031866568705-notebook",
        "imageType": "preset", "imageGpuType": "nvidia", "images": "image.ccos.io/iaas_pub/notebook:vscode-gpu",
        "specType": "compute", "resourceId": package(sim, "calculate")["resourceId"], "resource_memory": "100",
        "resource_cpu": "16", "resource_gpu": "1(H800)", "vpcEnabled": True, "vpc_id": "vpc-uavyo483tfgf0c4wfd",
        "subnet_id": "snet-v11escnbrbofoxc8t6", "eip_id": "eip-y0yps5bb5r1hjwrl1", "expand": "{}",
        "specCode": "calculate",
    } | change  # fmt: skip


def show_notebook(sim: AISpaceSim, notebook_id: int, alias: str = "notebook_modelview") -> dict[str, Any]:
    return sim.ok("GET", f"{ALPHA}/{alias}/api/{notebook_id}")["result"]


@pytest.mark.parametrize("path", [f"{V1}/notebook_modelview", f"{V1}/notebook", f"{V1}/notebook_modelview/"])
def test_notebook_lifecycle(start_sim: StartSim, path: str) -> None:
    clock = SimClock()  # the first read surely finds the notebook Pending
    sim = start_sim(clock=clock)
    name = unique_name("nb")
    created = sim.ok("POST", path, body=notebook_body(sim, name))
    assert (created["code"], created["data"]["status"], created["data"]["message"]) == ("Success", 0, "success")
    result = created["data"]["result"]
    assert (result["name"], result["resource_memory"], result["resource_gpu"]) == (name, "100G", "1(H800)")
    assert "status" not in result and "created_on" not in result  # [DOC] the create answer has neither
    expand = json.loads(result["expand"])
    assert {"ingress_domain", "port_num", "portpool_id", "user_name"} <= set(expand)
    notebook_id = result["id"]

    first = show_notebook(sim, notebook_id)
    assert first["status"] == "Pending"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", first["created_on"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}", first["changed_on"])
    wait_until(lambda: show_notebook(sim, notebook_id, "notebook")["status"] == "Running", clock=clock)

    stopped = sim.ok("GET", f"{V1}/resource/stopInstance", query={"instanceId": str(notebook_id)})
    assert stopped["data"] is True
    assert show_notebook(sim, notebook_id)["status"] == "Stopped"
    assert sim.ok("GET", f"{V1}/resource/stopInstance", query={"instanceId": str(notebook_id)})["data"] is True

    for alias in ("notebook_modelview", "notebook"):
        reset = sim.ok("GET", f"{ALPHA}/{alias}/api/reset/restful/{notebook_id}")
        assert reset["data"] == "/frontend/dev/dev_online/notebook"
        wait_until(lambda: show_notebook(sim, notebook_id)["status"] == "Running", clock=clock)

    deleted = sim.ok("DELETE", f"{V1}/deleteInstance", query={"id": str(notebook_id), "type": "1"})
    assert deleted["data"] == {"code": "", "message": "success", "result": {}, "status": 0}
    assert sim.call("GET", f"{ALPHA}/notebook_modelview/api/{notebook_id}").status_code == 404


@pytest.mark.parametrize("alias", ["notebook_modelview", "notebook"])
def test_notebook_edit_sends_expand_back_and_numbers_may_be_numbers(sim: AISpaceSim, alias: str) -> None:
    created = sim.ok("POST", f"{V1}/notebook_modelview", body=notebook_body(sim, unique_name("nb")))["data"]["result"]
    cpu = package(sim, "standardCpu")["resourceId"]
    edit = {key: value for key, value in notebook_body(sim, created["name"]).items() if key != "project"}
    edit |= {"resourceId": cpu, "resource_memory": 4, "resource_cpu": 2, "resource_gpu": 0,
             "specCode": "standardCpu", "expand": created["expand"]}  # fmt: skip
    edited = sim.ok("PUT", f"{V1}/{alias}/api/{created['id']}", body=edit)["data"]["result"]
    assert (edited["resource_memory"], edited["resource_cpu"], edited["resource_gpu"]) == ("4G", "2", "0")
    assert json.loads(edited["expand"]) == json.loads(created["expand"])
    shown = show_notebook(sim, created["id"])
    assert shown["resourceId"] == cpu
    sim.ok("DELETE", f"{V1}/deleteInstance", query={"id": str(created["id"]), "type": "1"})


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"resource_gpu": "1(T4)"}, "InvalidParameter"),  # not the package's accelerator
        ({"resource_gpu": "3(H800)"}, "InsufficientResource"),  # more than the package holds
        ({"resourceId": "AIDP-0"}, "ResourceNotFound"),
        ({"vpcEnabled": None}, "InvalidParameter"),
        ({"name": "Not_A_Pod_Name"}, "InvalidParameter"),
    ],
)
def test_bad_notebooks_are_refused(sim: AISpaceSim, change: dict[str, Any], code: str) -> None:
    response = sim.call("POST", f"{V1}/notebook_modelview", body=notebook_body(sim, unique_name("nb")) | change)
    assert response.json()["code"] == code


def test_notebook_names_are_unique_and_listed_by_form_data(sim: AISpaceSim) -> None:
    name = unique_name("nb")
    sim.ok("POST", f"{V1}/notebook_modelview", body=notebook_body(sim, name))
    again = sim.call("POST", f"{V1}/notebook_modelview", body=notebook_body(sim, name))
    assert (again.status_code, again.json()["code"]) == (409, "ResourceAlreadyExists")
    form = {"page": 0, "page_size": 10, "filters": [{"col": "name", "opr": "eq", "value": name}]}
    listed = sim.ok("GET", f"{ALPHA}/notebook_modelview/api/", query={"form_data": json.dumps(form)})
    assert listed["status"] == 0 and listed["result"]["count"] == 1
    notebook_id = listed["result"]["data"][0]["id"]
    sim.ok("DELETE", f"{V1}/deleteInstance", query={"id": str(notebook_id), "type": "1"})


# --------------------------------------------------------------------------- online services


def service_body(sim: AISpaceSim, name: str, **change: Any) -> dict[str, Any]:
    return {
        "project": sim.config.project_id, "service_name": name, "label": "abc", "describe": "",
        "infer_backend": "huggingface", "specType": "compute", "resourceId": package(sim, "calculate")["resourceId"],
        "vpc_id": "", "subnet_id": "", "eip_id": "", "min_replicas": 1, "max_replicas": 1, "hpa": "cpu:50%,gpu:50%",
        "priority": 1, "eip": "10.252.128.161", "library_option": 0, "service_type": "serving", "model_source": 0,
        "env": "A=1\nB=2", "model_id": 1, "image_source": 0, "quantization_bit": 4,
    } | change  # fmt: skip


def find_service(sim: AISpaceSim, name: str, column: str = "name") -> dict[str, Any]:
    form = {"page": 0, "page_size": 10, "filters": [{"col": column, "opr": "eq", "value": name}]}
    listed = sim.ok("GET", f"{ALPHA}/inferenceservice_modelview/api/", query={"form_data": json.dumps(form)})
    (row,) = listed["result"]["data"]
    return row


def show_service(sim: AISpaceSim, service_id: int) -> dict[str, Any]:
    return sim.ok("GET", f"{ALPHA}/inferenceservice_modelview/api/{service_id}")["result"]


@pytest.mark.parametrize("path", [f"{V1}/inferenceservice_modelview/api/", f"{V1}/inferenceservice_modelview/api"])
def test_service_lifecycle(sim: AISpaceSim, path: str) -> None:
    name = unique_name("svc")
    created = sim.ok("POST", path, body=service_body(sim, name))
    assert created["data"] == {}  # [DOC] no id: found by name
    row = find_service(sim, name, column="service_name")
    assert row == find_service(sim, name)
    service_id = row["id"]
    assert (row["model_status"], row["deploy_history"]) == ("offline", "")

    edit = service_body(sim, name) | {
        "model_name": "cv-tinynas-object-detection-damoyolo", "model_path": "/mnt/workspace/.cache/modelscope",
        "images": "image.cestc.cn/iaas_pub/modelscope:base-cuda11.8-python3.8",
        "command": "/src/docker/entrypoint.sh python app.py web", "ports": "80", "business_type": "default",
        "quantization_bit": 8, "library_config": "", "placeholder": "",
    }  # fmt: skip
    edited = sim.ok("PUT", f"{V1}/inferenceservice_modelview/api/{service_id}", body=edit)["data"]["result"]
    assert edited["images"].endswith("python3.8") and edited["quantization_bit"] == 8

    deployed = sim.ok("GET", f"{ALPHA}/inferenceservice_modelview/deploy/prod/restful/{service_id}")
    assert deployed["data"] == "/frontend/service/inferenceservice/inferenceservice_manager"
    online = show_service(sim, service_id)
    assert online["model_status"] == "online" and online["deploy_history"].endswith("prod")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", online["deploy_time"])
    assert package(sim, "calculate")["restGpu"] in ("1(H800)", "0")  # it holds a node

    cleared = sim.ok("GET", f"{ALPHA}/inferenceservice_modelview/clear/restful/{service_id}")
    assert cleared["data"] == "/frontend/service/inferenceservice_manager"
    assert show_service(sim, service_id)["model_status"] == "offline"

    deleted = sim.ok("DELETE", f"{V1}/deleteInstance", query={"id": str(service_id), "type": "3"})
    assert deleted["data"]["result"]["id"] == service_id
    assert sim.call("GET", f"{ALPHA}/inferenceservice_modelview/api/{service_id}").status_code == 404


def test_debug_must_be_called_twice(sim: AISpaceSim) -> None:
    name = unique_name("svc")
    sim.ok("POST", f"{V1}/inferenceservice_modelview/api/", body=service_body(sim, name))
    service_id = find_service(sim, name)["id"]
    path = f"{ALPHA}/inferenceservice_modelview/deploy/debug/restful/{service_id}"
    first = sim.ok("GET", path, query=R)
    assert "requestId" not in first  # [DOC] 3.6 answers without one
    assert (first["code"], first["data"]) == ("Success", "") and "调试中" in first["message"]
    wait_until(lambda: show_service(sim, service_id)["model_status"] == "test")
    second = sim.ok("GET", path, query=R)
    assert second["data"].startswith("http://")
    sim.ok("GET", f"{ALPHA}/inferenceservice_modelview/deploy/prod/restful/{service_id}")  # debug -> prod
    assert show_service(sim, service_id)["model_status"] == "online"
    busy = sim.call("GET", path, query=R)
    assert busy.json()["code"] == "IncorrectState"
    sim.ok("DELETE", f"{V1}/deleteInstance", query={"id": str(service_id), "type": "3"})


def test_a_service_needs_room_on_its_package_to_deploy(start_sim) -> None:  # type: ignore[no-untyped-def]
    sim = start_sim()
    ids = []
    for _ in range(3):  # the calculate package runs two nodes
        name = unique_name("svc")
        sim.ok("POST", f"{V1}/inferenceservice_modelview/api/", body=service_body(sim, name))
        ids.append(find_service(sim, name)["id"])
    for service_id in ids[:2]:
        sim.ok("GET", f"{ALPHA}/inferenceservice_modelview/deploy/prod/restful/{service_id}")
    full = sim.call("GET", f"{ALPHA}/inferenceservice_modelview/deploy/prod/restful/{ids[2]}")
    assert (full.status_code, full.json()["code"]) == (409, "InsufficientResource")


def test_delete_instance_checks_its_type(sim: AISpaceSim) -> None:
    for kind, code in (("2", "InvalidParameter"), ("4", "ResourceNotFound"), ("1", "ResourceNotFound")):
        response = sim.call("DELETE", f"{V1}/deleteInstance", query={"id": "999999", "type": kind})
        assert response.json()["code"] == code
    # The tables call id and type body parameters.
    in_body = sim.call("DELETE", f"{V1}/deleteInstance", body={"id": 999999, "type": 3})
    assert in_body.json()["code"] == "ResourceNotFound"
