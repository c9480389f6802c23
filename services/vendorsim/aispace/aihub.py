"""The AIHub models LLM tasks and evaluations start from (`aihub_id`), and the model object the 7.4 task detail
nests under `aihub`, with every field its table and example list ([DOC] chatglm3-6b, id 42; [INFER] the values of
chinese-llama-2-7b, id 41, which the document only names)."""

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Model:
    name: str
    model_type: str
    doc: str
    hot: int
    model_file_size: str
    parameter_quantity: str
    model_max_inference_length: str = "8192"
    quantization_bit: str = "fp16"
    scenes: str = "文本生成"


MODELS: dict[int, Model] = {
    41: Model("chinese-llama-2-7b", "llama2_zh", "https://www.modelscope.cn/models/ziqingyang/chinese-llama-2-7b/files",
              hot=18211, model_file_size="13GB", parameter_quantity="7B", model_max_inference_length="4096"),
    42: Model("chatglm3-6b", "chatglm3", "https://www.modelscope.cn/models/ZhipuAI/chatglm3-6b/files", hot=24427,
              model_file_size="13GB", parameter_quantity="6B"),
}

# [DOC] JSON text in the example (typed object in the table): the sub-objects of a model this account has not set up.
_EMPTY_OBJECTS = ("dataset", "expand", "inference", "job_template", "notebook", "pre_train_model", "service")


def name_of(aihub_id: int | None) -> str:
    return MODELS[aihub_id].name if aihub_id in MODELS else ""


def model_type_of(aihub_id: int | None) -> str:
    return MODELS[aihub_id].model_type if aihub_id in MODELS else ""


def view(aihub_id: int | None) -> dict[str, Any] | None:
    """The 7.4 detail's `aihub` object; None for a task without a known model."""
    if aihub_id not in MODELS:
        return None
    model = MODELS[aihub_id]
    return {
        "id": aihub_id,
        "name": model.name,
        "label": model.name,
        "describe": model.name,
        "doc": model.doc,
        "field": "大模型",
        "hot": model.hot,
        "images": "",
        "pic": "example.jpeg",
        "pipeline": "",
        "source": "",
        "inference_service_id": None,
        "model_class": "LLM",
        "model_class_type": "chat",
        "model_file_size": model.model_file_size,
        "model_max_inference_length": model.model_max_inference_length,
        "model_parameters": json.dumps({"resource_gpu": "1", "resource_memory": "40G", "resource_cpu": "4"}),
        "model_path": f"/mnt/workspace/models/public-models/llm/{model.name}",
        "model_source": "aihub",
        "model_type": model.model_type,
        "parameter_quantity": model.parameter_quantity,
        "price": 0,
        "quantization_bit": model.quantization_bit,
        "scenes": model.scenes,
        "status": "online",
        "type": "dataset,notebook,train,inference",
        "uuid": model.name,
        "version": "",
    } | {name: "{}" for name in _EMPTY_OBJECTS}
