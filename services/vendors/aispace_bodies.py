"""The request bodies the adapter sends, as the document's tables give them (where an example differs, the
table's form is sent and the difference is noted)."""

import json
from typing import Any

from services.vendors.aispace_packages import ResourcePackage
from services.vendors.aispace_settings import AISpaceSettings
from services.vendors.base import SubmitRequest


def training_job(req: SubmitRequest, settings: AISpaceSettings) -> dict[str, Any]:
    """11.2 create training job (`slm`). The environment travels in `expand.trainWorkArgs.envs`."""
    envs = [{"key": key, "value": value} for key, value in req.env.items()]
    return {
        # Both are required by the table; the example's differing values show projectId is the one kept.
        "projectId": settings.project_id,
        "project_id": settings.project_id,
        "name": req.name,
        "maas_task_type": "slm",
        "billing_mode": "resourcePool",
        "label": req.name,
        "images": req.image,
        "command": req.command or "",
        "spec_type": "compute",
        # The table says resourceId, every example sends resource_id: both, so either reading works.
        "resourceId": req.flavor_id,
        "resource_id": req.flavor_id,
        "node_selector": "train=true",
        "expand": json.dumps({"trainWorkArgs": {"imageType": settings.image_type, "envs": envs}}),
    }


def task_container(name: str, settings: AISpaceSettings) -> dict[str, Any]:
    """7.15 create an LLM task container (one per Switchyard job, named like it)."""
    return {"project": settings.project_id, "name": name, "describe": f"Switchyard job {name}"}


def llm_task(req: SubmitRequest, container_id: int, container_name: str, settings: AISpaceSettings) -> dict[str, Any]:
    """7.2 create an LLM sub-task. The image and command do not apply (the platform runs its own framework); the
    job's environment joins the hyperparameters in `args`, which the task's container receives as environment."""
    return {
        "jobname": container_name,
        "name": req.name,
        "label": req.name,
        "storage_type": 0,
        "billing_mode": "resourcePool",
        "bill_gui": "defaultBill",
        "spec_type": "compute",
        "node_selector": "train=true",
        "workers": req.node_count,
        "resource_id": req.flavor_id,
        "framework": settings.llm_framework,
        "ft_type": settings.llm_ft_type,
        "level": settings.llm_level,
        "advanced_mode": "close",
        "framework_template": settings.llm_framework_template,
        "aihub_id": settings.llm_aihub_id,
        "maas_task_parent_id": None,
        "model_path": None,
        "model_type": None,
        "projectId": settings.project_id,  # the table's name (the example sends project_id)
        "dataset_ids": json.dumps(settings.llm_dataset_ids),  # a JSON array as a string [DOC]
        "maas": container_id,  # int per the table (the example sends "44")
        "args": json.dumps(settings.llm_args | req.env),  # JSON strings per the table
        "framework_config": json.dumps(settings.llm_framework_config),
    }


def notebook(req: SubmitRequest, package: ResourcePackage, settings: AISpaceSettings) -> dict[str, Any]:
    """2.2 create notebook, sized as one node of its package. No command, environment or disk size: the
    document's notebook has none (storage is a package of its own)."""
    return {
        "project": settings.project_id,
        "name": req.name,
        "describe": f"Switchyard job {req.name}",
        "imageType": settings.image_type,
        "imageGpuType": "ascend" if package.accelerator.startswith("ascend") else "nvidia",
        "images": req.image,
        "specType": "compute",
        "resourceId": package.resource_id,
        "resource_memory": str(package.memory_gb),
        "resource_cpu": str(package.cpu),
        "resource_gpu": package.spec_gpu,
        "vpcEnabled": False,
        "expand": "{}",
    }


def service(req: SubmitRequest, settings: AISpaceSettings) -> dict[str, Any]:
    """3.2 create online service (it takes no image: the edit sets it)."""
    return {
        "project": settings.project_id,
        "service_name": req.name,
        "label": req.name,
        "describe": f"Switchyard job {req.name}",
        "infer_backend": settings.service_infer_backend,
        "specType": "compute",
        "resourceId": req.flavor_id,
        "vpc_id": "",
        "subnet_id": "",
        "eip_id": "",
        "min_replicas": req.replicas,
        "max_replicas": req.replicas,
        "hpa": settings.service_hpa,
        "priority": 1,
        "eip": "",
        "library_option": 0,
        "service_type": "serving",
        "model_source": 0,
        "env": "\n".join(f"{key}={value}" for key, value in req.env.items()),
        "model_id": settings.service_model_id,
        "image_source": 0,
        "quantization_bit": settings.service_quantization_bit,
    }


def service_edit(req: SubmitRequest, settings: AISpaceSettings) -> dict[str, Any]:
    """3.3 edit online service: the create fields plus the image, command and model to serve."""
    return service(req, settings) | {
        "model_name": req.model or req.name,
        "model_path": "",
        "images": req.image,
        "command": req.command or "",
        "ports": settings.service_ports,
        "business_type": "default",
    }
