"""AI Space on the wire: its paths and job ids, the request bodies the adapter sends, the two response envelopes
unwrapped, and the VendorJob read from each kind's row.

Bodies follow the document's tables (where an example differs, the table's form is sent and the difference is
noted). Envelopes: A (gateway) {"requestId", "code": "Success", "message", "data": <payload>}, where `data` may
itself be a Cube Studio result {"code": "", "message": "success", "result": {...}, "status": 0}; B (Cube Studio)
{"message": "success", "result": {...}, "status": 0}. Success is checked at every level (digest §3): a non-2xx HTTP
status, a `code` other than "Success", or a Cube Studio `status` other than 0 is an error.

Times are read by `times.py`.

Endpoints [INFER] (the document shows no address of a running notebook or service): a notebook answers at
`http://<expand.ingress_domain>/notebook/<namespace>/<name>/lab`, where upstream Cube Studio opens it; a service at
its `host` (with `http://` before it when it has no scheme), as upstream's `inference_host_url` builds it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from contracts.jobs import JobKind
from contracts.status import JobStatus
from services.vendors.aispace.errors import SUCCESS, error_for
from services.vendors.aispace.catalog import ResourcePackage
from services.vendors.aispace.settings import VENDOR, AISpaceSettings
from services.vendors.aispace.status import clean_status, map_notebook_status, map_service_status, map_task_status
from services.vendors.aispace.times import parse_time
from services.vendors.base import Endpoint, SubmitRequest, VendorJob
from services.vendors.data import held_by, job_env
from services.vendors.errors import InvalidRequest, VendorUnavailable


V1 = "/api/aidp/v1"
ALPHA = "/api/aidp/alpha"
LLM_TASKS = ("pt", "sft", "dpo", "rw", "ppo")
TRAINING_TABLES = ("slm", *LLM_TASKS)

# --------------------------------------------------------------------------- paths and job ids


def job_ref(table: str, row_id: int | str) -> str:
    """The vendor job id: "<table>:<row id>", table one of slm/pt/sft/dpo/rw/ppo, notebook, service."""
    return f"{table}:{row_id}"


def parse_job_ref(vendor_job_id: str, kind: JobKind) -> tuple[str, int]:
    """(table, row id) of a vendor job id of `kind`; InvalidRequest for an id that is not one."""
    table, _, row = vendor_job_id.partition(":")
    tables = {"training": TRAINING_TABLES, "notebook": ("notebook",), "inference": ("service",)}[kind]
    if table not in tables or not row.isdigit():
        raise InvalidRequest(VENDOR, f"{vendor_job_id!r} is not an AI Space {kind} id ({'|'.join(tables)}:<id>)")
    return table, int(row)


def task_path(table: str) -> str:
    """The Cube Studio path of an LLM task (or `slm` training job) table."""
    return f"{ALPHA}/maas_task_modelview/{table}/api"


# --------------------------------------------------------------------------- request bodies


def training_job(req: SubmitRequest, settings: AISpaceSettings) -> dict[str, Any]:
    """11.2 create training job (`slm`). The environment travels in `expand.trainWorkArgs.envs`. Its table names
    no dataset or storage: the project's datasets and storage are in the workspace every workload mounts
    (`volume_mount` "kubeflow-user-workspace(pvc):/mnt" [DOC]), so AI Space data needs no field here."""
    for mounts in (req.inputs, req.outputs):
        held_by(VENDOR, mounts)  # refuses data held by another vendor
    envs = [{"key": key, "value": value} for key, value in job_env(req).items()]
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
        "dataset_ids": json.dumps(dataset_ids(req) or settings.llm_dataset_ids),  # a JSON array as a string [DOC]
        "maas": container_id,  # int per the table (the example sends "44")
        "args": json.dumps(settings.llm_args | job_env(req)),  # JSON strings per the table
        "framework_config": json.dumps(settings.llm_framework_config),
    }


def dataset_ids(req: SubmitRequest) -> list[int]:
    """The AI Space datasets a task reads (`aispace-dataset://<id>` inputs; storage is in the workspace)."""
    held_by(VENDOR, req.outputs)
    return [int(m.location.id) for m in held_by(VENDOR, req.inputs) if m.location.scheme == "aispace-dataset"]


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


# --------------------------------------------------------------------------- envelopes


def unwrap(http_status: int, body: Any, retry_after_s: float | None = None) -> Any:
    """The payload of a response (`result` if there is one, else `data`), or the typed error it carries."""
    if isinstance(body, dict) and "code" in body and body["code"] != SUCCESS:
        raise error_for(http_status, body, retry_after_s)
    if not 200 <= http_status < 300:
        raise error_for(http_status, body, retry_after_s)
    payload = body.get("data") if isinstance(body, dict) and "code" in body else body
    if is_cube_result(payload):
        if int(payload["status"]) != 0:
            raise error_for(http_status, payload, retry_after_s)
        return payload.get("result")
    return payload


def is_cube_result(value: Any) -> bool:
    """A Cube Studio envelope: a numeric `status` beside `result` or `message`. The tables type `data.status` as a
    string and the examples send an int, so both `0` and `"0"` are read; an image push's `status: "Pushing"` is a
    payload, not an envelope."""
    if not isinstance(value, dict) or not ("result" in value or "message" in value):
        return False
    status = value.get("status")
    if isinstance(status, str):
        return status.strip().lstrip("-").isdigit()
    return isinstance(status, int) and not isinstance(status, bool)


def dumps(value: Any) -> bytes:
    """A request body as AI Space reads it: compact UTF-8 JSON."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


# --------------------------------------------------------------------------- jobs


def task_job(table: str, item: dict[str, Any]) -> VendorJob:
    """A training job or LLM task row as a VendorJob (the 7.4 detail or a 7.5 list item)."""
    if "id" not in item:
        raise VendorUnavailable(VENDOR, "a task without id in the answer")
    raw = clean_status(item.get("status"))
    status = map_task_status(raw)
    terminal = status is not None and status.is_terminal
    return VendorJob(
        vendor_job_id=job_ref(table, item["id"]),
        name=str(item.get("name") or ""),
        raw_status=raw,
        status=status,
        reason=None,
        created_at=parse_time(item.get("created_on")),
        started_at=task_started_at(status, item),
        finished_at=parse_time(item.get("changed_on")) if terminal else None,
        kind="training",
    )


def task_started_at(status: JobStatus | None, item: dict[str, Any]) -> datetime | None:
    """When a task's run started running, as far as the row says. `last_run_time` is when the run was launched
    (`maas_run`), Pending time on the vendor included; the phase change to Running is written into the row, so
    while it runs `changed_on` is when it started running (never before the launch). Once ended the row keeps no
    start: a Succeeded or Failed task ran, from its launch at the earliest (the watcher keeps the start it saw
    while the task ran); a Terminated one may have been stopped while Pending, so it has none of its own (the
    7.4 detail has no `elapsed_time` to tell)."""
    launched = parse_time(item.get("last_run_time"))
    if status is JobStatus.RUNNING:
        changed = parse_time(item.get("changed_on"))
        return max(t for t in (launched, changed) if t is not None) if launched or changed else None
    if status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
        return launched
    return None


def notebook_job(item: dict[str, Any]) -> VendorJob:
    """A notebook row as a VendorJob."""
    raw = clean_status(item.get("status"))
    status = map_notebook_status(raw)
    changed = parse_time(item.get("changed_on"))
    return VendorJob(
        vendor_job_id=job_ref("notebook", item["id"]),
        name=str(item.get("name") or ""),
        raw_status=raw,
        status=status,
        reason=None,
        created_at=parse_time(item.get("created_on")),
        started_at=changed if status is JobStatus.RUNNING else None,
        finished_at=changed if status is not None and status.is_terminal else None,
        kind="notebook",
        endpoints=notebook_endpoints(item),
    )


def notebook_endpoints(item: dict[str, Any]) -> tuple[Endpoint, ...]:
    """A notebook row's JupyterLab page, from its `expand.ingress_domain`; none without one."""
    expand = item.get("expand")
    if isinstance(expand, str):
        try:
            expand = json.loads(expand or "{}")
        except ValueError:
            expand = {}
    domain = str(expand.get("ingress_domain") or "").strip().rstrip("/") if isinstance(expand, dict) else ""
    name = str(item.get("name") or "")
    if not domain or not name:
        return ()
    namespace = str(item.get("namespace") or "jupyter")
    return (Endpoint("jupyter", f"{_with_scheme(domain)}/notebook/{namespace}/{name}/lab"),)


def service_endpoints(item: dict[str, Any]) -> tuple[Endpoint, ...]:
    """An online service row's address, from its `host`; none without one."""
    host = str(item.get("host") or "").strip().rstrip("/")
    return (Endpoint("http", _with_scheme(host)),) if host else ()


def _with_scheme(address: str) -> str:
    return address if address.startswith(("http://", "https://")) else f"http://{address}"


def service_deployed(item: dict[str, Any]) -> bool:
    """The service has been deployed at least once (it has a deploy history)."""
    return bool(str(item.get("deploy_history") or "").strip())


def service_job(item: dict[str, Any]) -> VendorJob:
    """An online service row as a VendorJob."""
    raw = clean_status(item.get("model_status"))
    deployed = service_deployed(item)
    status = map_service_status(raw, deployed)
    return VendorJob(
        vendor_job_id=job_ref("service", item["id"]),
        name=str(item.get("name") or item.get("service_name") or ""),
        raw_status=raw,
        status=status,
        reason=None,
        created_at=parse_time(item.get("created_on")),
        started_at=parse_time(item.get("deploy_time")) if deployed else None,
        finished_at=parse_time(item.get("changed_on")) if status is JobStatus.STOPPED else None,
        kind="inference",
        endpoints=service_endpoints(item),
    )
