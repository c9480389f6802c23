"""ModelArts bodies <-> Switchyard values, as plain functions: request bodies for the three kinds of
workload, VendorJob from what ModelArts answers, and its millisecond times.

ModelArts types drift between numbers and strings (the API reference's own examples disagree
with its tables), so every reader here is lenient.
"""

import base64
import math
from datetime import UTC, datetime, timedelta
from typing import Any

from contracts.status import JobStatus
from contracts.data import DataMount
from services.vendors.base import Endpoint, SubmitRequest, VendorJob
from services.vendors.data import held_by, job_env
from services.vendors.errors import InvalidRequest, VendorUnavailable
from services.vendors.modelarts.settings import VENDOR
from services.vendors.modelarts.status import (
    map_notebook_status,
    map_service_status,
    map_training_phase,
    notebook_reason,
    service_reason,
    training_infrastructure_failure,
)

DEFAULT_EVS_GB = 5  # [DOC] an EVS volume without a capacity gets 5 GB

# --------------------------------------------------------------------------- request bodies


def training_body(req: SubmitRequest) -> dict[str, Any]:
    """POST /v2/{project_id}/training-jobs, custom image + command on `node_count` nodes; `max_runtime_s` ->
    `auto_stop` hours; OBS inputs and outputs -> `algorithm.inputs`/`outputs`, each mounted at its `local_dir`."""
    spec: dict[str, Any] = {"resource": {"flavor_id": req.flavor_id, "node_count": req.node_count}}
    if req.max_runtime_s is not None:
        spec["auto_stop"] = {"time_unit": "HOURS", "duration": max(1, math.ceil(req.max_runtime_s / 3600))}
    algorithm: dict[str, Any] = {"engine": {"image_url": req.image}, "command": req.command,
                                 "environments": job_env(req)}
    inputs, outputs = held_by(VENDOR, req.inputs), held_by(VENDOR, req.outputs)
    if inputs:
        algorithm["inputs"] = [obs_channel(mount) for mount in inputs]
    if outputs:
        algorithm["outputs"] = [obs_channel(mount) for mount in outputs]
    return {"kind": "job", "metadata": {"name": req.name}, "algorithm": algorithm, "spec": spec}


def obs_channel(mount: DataMount) -> dict[str, Any]:
    """An input or output channel on OBS: `remote.obs.obs_url` is written "/bucket/path" as in every example of
    the document, and `local_dir` is where the container sees it."""
    location = mount.location
    return {"name": mount.name, "local_dir": mount.mount,
            "remote": {"obs": {"obs_url": f"/{location.id}/{location.path}"}}}


def task_line(task: str, line: str) -> str:
    """A line of a task's log, marked with its task (`[worker-1] ...`) unless the line already is."""
    mark = f"[{task}]"
    return line if line.startswith(mark) else f"{mark} {line}"


def notebook_body(req: SubmitRequest, image_id: str) -> dict[str, Any]:
    """POST /v1/{project_id}/notebooks.

    `storage_gb` is the EVS volume, `max_runtime_s` the lease (auto-stop after that long; without
    it ModelArts applies its default lease). A `command` runs as the post-start hook. Notebooks
    take no environment variables, so `env` has nowhere to go.
    """
    body: dict[str, Any] = {
        "name": req.name,
        "description": "Switchyard notebook",
        "feature": "NOTEBOOK",
        "flavor": req.flavor_id,
        "image_id": image_id,
        "volume": {"category": "EVS", "ownership": "MANAGED", "capacity": req.storage_gb or DEFAULT_EVS_GB},
        "workspace_id": "0",
    }
    if req.max_runtime_s is not None:
        body["lease"] = {"duration": req.max_runtime_s * 1000, "type": "timing"}
    if req.command:
        script = base64.b64encode(req.command.encode()).decode()
        body["hooks"] = {"container_hooks": {"post_start": {"type": "COMMAND", "script": script}}}
    return body


def service_body(req: SubmitRequest) -> dict[str, Any]:
    """POST /v1/{project_id}/services: one real-time model.

    `model` is the ModelArts model id (the image and start command belong to the model, so
    `image` and `command` are not sent), `replicas` the instance count, `env` the model's `envs`,
    `max_runtime_s` an auto-stop schedule in whole minutes.
    """
    if not req.model:
        raise InvalidRequest(VENDOR, "an inference service needs `model`: the id of a published ModelArts model")
    body: dict[str, Any] = {
        "service_name": req.name,
        "infer_type": "real-time",
        "description": "Switchyard inference service",
        "workspace_id": "0",
        "config": [
            {
                "model_id": req.model,
                "specification": req.flavor_id,
                "instance_count": req.replicas,
                "weight": 100,
                "envs": dict(req.env),
            }
        ],
    }
    if req.max_runtime_s is not None:
        body["schedule"] = [{"type": "stop", "time_unit": "MINUTES", "duration": math.ceil(req.max_runtime_s / 60)}]
    return body


# --------------------------------------------------------------------------- jobs


def parse_training_job(item: dict[str, Any]) -> VendorJob:
    metadata = item.get("metadata") or {}
    status = item.get("status") or {}
    phase = str(status.get("phase") or "")
    normalized = map_training_phase(phase)
    started_at = from_ms(status.get("start_time"))
    finished_at = None
    # There is no end time: a terminal job ended at start_time + duration.
    if normalized is not None and normalized.is_terminal and started_at is not None:
        finished_at = started_at + timedelta(milliseconds=as_int(status.get("duration")))
    return VendorJob(
        vendor_job_id=training_job_id(item),
        name=str(metadata.get("name") or ""),
        raw_status=phase,
        status=normalized,
        reason=_training_reason(status),
        created_at=from_ms(metadata.get("create_time")),
        started_at=started_at,
        finished_at=finished_at,
        kind="training",
        infrastructure_failure=normalized == JobStatus.FAILED and training_infrastructure_failure(
            phase, status.get("secondary_phase")),
    )


def training_job_id(item: dict[str, Any]) -> str:
    job_id = (item.get("metadata") or {}).get("id")
    if not job_id:
        raise VendorUnavailable(VENDOR, "training job without metadata.id in the response")
    return str(job_id)


def _training_reason(status: dict[str, Any]) -> str | None:
    """`secondary_phase` when it adds something to the phase, plus the failing tasks' messages."""
    secondary = status.get("secondary_phase") or None
    if secondary == status.get("phase"):
        secondary = None  # "Running"/"Running" says nothing a reader needs
    failures = [
        f"{task.get('task')}: exit {task.get('exit_code')}: {task.get('message')}"
        for task in status.get("task_statuses") or []
        if task.get("message")
    ]
    if not failures:
        return secondary
    return f"{secondary or 'Failed'} ({'; '.join(failures)})"


def parse_notebook(item: dict[str, Any]) -> VendorJob:
    """NotebookResp -> VendorJob.

    A notebook has no start or end time; `update_at` (the instance's last update, heartbeats
    excluded) is when it entered its current status, so it is the start while RUNNING and the
    end once stopped or failed [INFER].
    """
    notebook_id = item.get("id")
    if not notebook_id:
        raise VendorUnavailable(VENDOR, "notebook without an id in the response")
    raw = str(item.get("status") or "")
    normalized = map_notebook_status(raw)
    update_at = as_int(item.get("update_at")) or None
    lease = item.get("lease") or {}
    lease_end = as_int(lease.get("create_at")) + as_int(lease.get("duration")) if lease.get("enable") else None
    since = from_ms(update_at)
    return VendorJob(
        vendor_job_id=str(notebook_id),
        name=str(item.get("name") or ""),
        raw_status=raw,
        status=normalized,
        reason=notebook_reason(raw, item.get("fail_reason"), lease_end, update_at),
        created_at=from_ms(item.get("create_at") or lease.get("create_at")),
        started_at=since if raw.upper() == "RUNNING" else None,
        finished_at=since if normalized is not None and normalized.is_terminal else None,
        kind="notebook",
        endpoints=notebook_endpoints(item, lease_end),
    )


def notebook_endpoints(item: dict[str, Any], lease_end_ms: int | None) -> tuple[Endpoint, ...]:
    """The notebook's JupyterLab `url`, until its lease ends (`lease.create_at + duration` when the lease is on).
    [INFER] `endpoints[]` (NOTEBOOK/SSH with a private `uri`) name only the ports a create asked to open, which the
    adapter never asks for; they are not reachable from outside the VPC."""
    url = str(item.get("url") or "").strip()
    return (Endpoint("jupyter", url, from_ms(lease_end_ms)),) if url else ()


def parse_service(item: dict[str, Any]) -> VendorJob:
    """Service detail or list item -> VendorJob; `transition_at` times the start and the end."""
    service_id = item.get("service_id")
    if not service_id:
        raise VendorUnavailable(VENDOR, "service without a service_id in the response")
    raw = str(item.get("status") or "")
    normalized = map_service_status(raw)
    transition_at = as_int(item.get("transition_at")) or None
    since = from_ms(transition_at)
    return VendorJob(
        vendor_job_id=str(service_id),
        name=str(item.get("service_name") or ""),
        raw_status=raw,
        status=normalized,
        reason=service_reason(raw, item.get("error_msg"), as_int(item.get("due_time")) or None, transition_at),
        created_at=from_ms(item.get("publish_at")),
        started_at=since if raw.lower() == "running" else None,
        finished_at=since if normalized is not None and normalized.is_terminal else None,
        kind="inference",
        endpoints=service_endpoints(item),
    )


def service_endpoints(item: dict[str, Any]) -> tuple[Endpoint, ...]:
    """A real-time service's `access_address` (detail only), until its auto-stop `due_time` when it has one."""
    address = str(item.get("access_address") or "").strip()
    return (Endpoint("http", address, from_ms(item.get("due_time"))),) if address else ()


# --------------------------------------------------------------------------- values


def as_int(value: Any) -> int:
    """ModelArts types drift between numbers and strings; be lenient."""
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return 0


def from_ms(value: Any) -> datetime | None:
    """ms epoch -> tz-aware UTC datetime; 0/absent means "not yet"."""
    epoch_ms = as_int(value)
    return datetime.fromtimestamp(epoch_ms / 1000, UTC) if epoch_ms > 0 else None
