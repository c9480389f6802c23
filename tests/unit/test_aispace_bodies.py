"""The request bodies the adapter sends, and its vendor job ids."""

import json

import pytest

from services.vendors import InvalidRequest, SubmitRequest
from services.vendors.aispace.catalog import parse_package
from services.vendors.aispace.settings import AISpaceSettings
from services.vendors.aispace.wire import (
    job_ref,
    llm_task,
    notebook,
    parse_job_ref,
    service,
    service_edit,
    task_container,
    training_job,
)

SETTINGS = AISpaceSettings(_env_file=None, project_id=58)
PACKAGE = "AIDP-f5adeffe644a45ca8ab4a56c0f0f63ab"


def request(**change: object) -> SubmitRequest:
    values = dict(name="sy-0123456789abcdef0123456789abcdef", kind="training", image="img:1", command="python t.py",
                  env={"SWITCHYARD_SIM_RUN_SECONDS": "2"}, flavor_id=PACKAGE)  # fmt: skip
    return SubmitRequest(**(values | change))  # type: ignore[arg-type]


def test_training_job_body_follows_the_table() -> None:
    body = training_job(request(), SETTINGS)
    assert set(body) == {
        "projectId", "project_id", "name", "maas_task_type", "billing_mode", "label", "images", "command",
        "spec_type", "resourceId", "resource_id", "node_selector", "expand",
    }  # fmt: skip
    assert (body["projectId"], body["project_id"], body["maas_task_type"]) == (58, 58, "slm")
    assert body["resourceId"] == body["resource_id"] == PACKAGE
    assert isinstance(body["expand"], str)  # a JSON string per the table
    assert json.loads(body["expand"]) == {
        "trainWorkArgs": {"imageType": "preset", "envs": [{"key": "SWITCHYARD_SIM_RUN_SECONDS", "value": "2"}]}
    }


def test_llm_task_body_follows_the_table() -> None:
    body = llm_task(request(task="sft"), 44, "sy-box", SETTINGS)
    assert (body["jobname"], body["maas"], body["projectId"], body["resource_id"]) == ("sy-box", 44, 58, PACKAGE)
    assert body["dataset_ids"] == "[115]" and body["aihub_id"] == 41 and body["workers"] == 1
    args = json.loads(body["args"])  # strings per the table
    assert args["EPOCH"] == 3 and args["SWITCHYARD_SIM_RUN_SECONDS"] == "2"  # the environment joins the args
    assert json.loads(body["framework_config"])["zero_optimization"]["stage"] == 2
    assert task_container("sy-box", SETTINGS) == {"project": 58, "name": "sy-box", "describe": "Switchyard job sy-box"}


def test_notebook_body_is_one_node_of_the_package() -> None:
    package = parse_package({"resourceId": PACKAGE, "specCPU": "16", "specGpu": "1(H800)", "specMemory": "100",
                             "totalAmount": 10, "perPrice": 10})  # fmt: skip
    body = notebook(request(kind="notebook", command=None), package, SETTINGS)
    assert (body["resource_cpu"], body["resource_gpu"], body["resource_memory"]) == ("16", "1(H800)", "100")
    assert (body["imageGpuType"], body["specType"], body["expand"], body["vpcEnabled"]) == (
        "nvidia",
        "compute",
        "{}",
        False,
    )
    assert body["project"] == 58 and body["resourceId"] == PACKAGE


def test_service_bodies() -> None:
    req = request(kind="inference", command=None, replicas=2, model="qwen-7b", env={"A": "1", "B": "x=y"})
    created = service(req, SETTINGS)
    assert (created["service_name"], created["min_replicas"], created["max_replicas"]) == (req.name, 2, 2)
    assert created["env"] == "A=1\nB=x=y" and "images" not in created
    edited = service_edit(req, SETTINGS)
    assert (edited["images"], edited["model_name"], edited["ports"]) == ("img:1", "qwen-7b", "80")


@pytest.mark.parametrize(
    ("vendor_job_id", "kind", "expected"),
    [("slm:88", "training", ("slm", 88)), ("sft:42", "training", ("sft", 42)), ("notebook:44", "notebook",
     ("notebook", 44)), ("service:169", "inference", ("service", 169))],
)  # fmt: skip
def test_job_refs_round_trip(vendor_job_id: str, kind: str, expected: tuple[str, int]) -> None:
    assert parse_job_ref(vendor_job_id, kind) == expected  # type: ignore[arg-type]
    assert job_ref(*expected) == vendor_job_id


@pytest.mark.parametrize(
    ("vendor_job_id", "kind"),
    [("notebook:44", "training"), ("slm:44", "notebook"), ("44", "training"), ("sft:x", "training"),
     ("lab:2", "training"), ("service:", "inference")],
)  # fmt: skip
def test_foreign_job_refs_are_refused(vendor_job_id: str, kind: str) -> None:
    with pytest.raises(InvalidRequest):
        parse_job_ref(vendor_job_id, kind)  # type: ignore[arg-type]
