"""What the document marks that the simulator once left out: `requestInfo` where its tables make it required, and
the 7.4 detail's `aihub` model object with its documented fields."""

from typing import Any

import pytest

from tests.contract.aispace.case import ALPHA, V1, AISpaceSim
from tests.contract.aispace.test_tasks import R, container, llm_body, show
from tests.contract.support import unique_name

SFT = f"{ALPHA}/maas_task_modelview/sft/api"


def refused_for_region(sim: AISpaceSim, method: str, path: str, **kwargs: Any) -> bool:
    answer = sim.call(method, path, **kwargs)
    return answer.status_code == 400 and answer.json()["code"] == "InvalidParameter" and \
        "requestInfo" in answer.json()["message"]


def an_sft_task(sim: AISpaceSim) -> int:
    box = container(sim, "sft", unique_name("box"))
    return sim.ok("POST", SFT, query=R, body=llm_body(sim, box, unique_name("sft")))["data"]["result"]["id"]


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", f"{ALPHA}/inferenceservice_modelview/deploy/debug/restful/1", None),  # 3.6
    ("POST", f"{V1}/resource/list", {"pageSize": 10, "pageNum": 1, "specType": "compute"}),  # 4.3
    ("POST", f"{V1}/storage/resource/list", {"pageSize": 10, "pageNum": 1}),  # 5.3
    ("POST", f"{V1}/project/insert", {"name": "p", "Describe": ""}),  # 9.1
    ("DELETE", f"{V1}/project/delete", None),  # 9.3
    ("POST", f"{ALPHA}/maas_evaluation_modelview/api/evaluation/detail", {"id": "1"}),  # 7.14
])  # fmt: skip
def test_calls_whose_table_requires_request_info_are_refused_without_it(
        sim: AISpaceSim, method: str, path: str, body: Any) -> None:
    assert refused_for_region(sim, method, path, body=body)


def test_an_llm_tasks_create_detail_and_stop_require_request_info(sim: AISpaceSim) -> None:
    box = container(sim, "sft", unique_name("box"))
    assert refused_for_region(sim, "POST", SFT, body=llm_body(sim, box, unique_name("sft")))
    task_id = an_sft_task(sim)
    assert refused_for_region(sim, "GET", f"{SFT}/{task_id}")
    assert refused_for_region(sim, "GET", f"{SFT}/stop/{task_id}")
    assert show(sim, "sft", task_id)["id"] == task_id  # with it, the same call answers
    # 7.5 marks it optional, 7.6 and section 11's training jobs (slm) do not send it.
    assert sim.ok("GET", SFT)["status"] == 0
    assert sim.ok("GET", f"{SFT}/maas_run/{task_id}")["status"] == 0


def test_the_task_detail_nests_the_documented_aihub_model(sim: AISpaceSim) -> None:
    aihub = show(sim, "sft", an_sft_task(sim))["aihub"]
    documented = {
        "dataset", "describe", "doc", "expand", "field", "hot", "id", "images", "inference", "inference_service_id",
        "job_template", "label", "model_class", "model_class_type", "model_file_size", "model_max_inference_length",
        "model_parameters", "model_path", "model_source", "model_type", "name", "notebook", "parameter_quantity",
        "pic", "pipeline", "pre_train_model", "price", "quantization_bit", "scenes", "service", "source", "status",
        "type", "uuid", "version",
    }  # fmt: skip
    assert documented <= set(aihub)
    assert (aihub["id"], aihub["name"], aihub["model_type"]) == (41, "chinese-llama-2-7b", "llama2_zh")
    assert isinstance(aihub["hot"], int) and aihub["price"] == 0 and aihub["quantization_bit"] == "fp16"
    assert aihub["doc"].startswith("https://") and aihub["dataset"] == "{}" and aihub["version"] == ""
