"""Qizhi's openapi on the wire: its four paths, the create body (exactly the document's JobOpenapi fields: the
server refuses unknown ones), the `{code, message, data}` envelope's code, the VendorJob read from a job's detail
(with the reason shown beside its status), and the ms-epoch strings it writes times and durations in."""

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from services.vendors.base import SubmitRequest, VendorJob
from services.vendors.data import held_by, job_env
from services.vendors.errors import VendorUnavailable
from services.vendors.qizhi.settings import VENDOR, QizhiSettings
from services.vendors.qizhi.status import map_status

TOKEN_PATH = "/auth/token"
SPECS_PATH = "/openapi/v1/specs/list"  # [EXT]
CREATE_PATH = "/openapi/v1/train_job/create"
DETAIL_PATH = "/openapi/v1/train_job/detail"
STOP_PATH = "/openapi/v1/train_job/stop"


def create_body(req: SubmitRequest, settings: QizhiSettings, lcg_id: str) -> dict[str, Any]:
    """POST /openapi/v1/train_job/create for `req` on the spec `req.flavor_id` of the group `lcg_id`."""
    framework_config: dict[str, Any] = {
        "spec_id": req.flavor_id,
        "image": req.image,
        "image_type": settings.image_type,
        "instance_count": req.node_count,
    }
    if settings.shm_gi is not None:
        framework_config["shm_gi"] = settings.shm_gi
    body: dict[str, Any] = {
        "name": req.name,
        "project_id": settings.project_id,
        "workspace_id": settings.workspace_id,
        "logic_compute_group_id": lcg_id,
        "framework": settings.framework,
        "command": req.command,
        "task_priority": settings.task_priority,
        "envs": [{"name": name, "value": value} for name, value in job_env(req).items()],
        "framework_config": [framework_config],
    }
    datasets = held_by(VENDOR, req.inputs)
    held_by(VENDOR, req.outputs)  # Qizhi's create has datasets to read and nowhere to write: any output refuses
    if datasets:  # [DOC] train.DatasetInfo {dataset_id, version_id, path}; Qizhi mounts it where it does
        body["dataset_info"] = [{"dataset_id": m.location.id, "version_id": m.location.version or "",
                                 "path": m.location.path} for m in datasets]
    if req.max_runtime_s:
        body["max_running_time_ms"] = str(req.max_runtime_s * 1000)  # a string, in ms
    return body


def parse_job(data: Any) -> VendorJob:
    """A train job (the create answer or its detail) as a VendorJob."""
    job = as_object(data)
    job_id = job.get("job_id")
    if not job_id:
        raise VendorUnavailable(VENDOR, "a train job without job_id in the answer")
    timeline = job.get("timeline") or {}  # detail only; keys appear as stages are reached
    started_at = from_ms(timeline.get("run"))
    raw_status = str(job.get("status") or "")
    status = map_status(raw_status, has_run=started_at is not None)
    finished_at = None
    if status is not None and status.is_terminal:
        finished_at = from_ms(timeline.get("finished")) or from_ms(job.get("finished_at"))
    return VendorJob(
        vendor_job_id=str(job_id),
        name=str(job.get("name") or ""),
        raw_status=raw_status,
        status=status,
        reason=job_reason(job),
        created_at=from_ms(job.get("created_at")),
        started_at=started_at,
        finished_at=finished_at,
    )


def as_object(data: Any) -> dict[str, Any]:
    """A payload that must be an object; none is an empty one."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise VendorUnavailable(VENDOR, f"expected a JSON object, got {str(data)[:200]!r}")
    return data


def envelope_code(value: Any) -> int | None:
    """The envelope's `code` as a number ([EXT] some answers send it as a string); None when it is not one."""
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def from_ms(value: Any) -> datetime | None:
    """A ms-epoch string ("1715068800000") as a tz-aware UTC datetime; "", "0" or absent is None."""
    ms = ms_count(value)
    return datetime.fromtimestamp(ms / 1000, UTC) if ms > 0 else None


def ms_count(value: Any) -> int:
    """A millisecond count the vendor sends as a string (sometimes a number); 0 when absent or garbled."""
    if value is None or isinstance(value, bool):
        return 0
    try:
        return int(Decimal(str(value).strip()))
    except (InvalidOperation, ValueError):
        return 0


def job_reason(job: dict[str, Any]) -> str | None:
    """What a person should read next to the status: `sub_msg` (the queueing reason, [DOC]), and a
    note when the platform stopped the job because it ran out of `max_running_time_ms`."""
    sub_msg = str(job.get("sub_msg") or "").strip()
    limit_ms = ms_count(job.get("max_running_time_ms"))
    timed_out = (
        str(job.get("status") or "").strip().lower() == "job_stopped"
        and limit_ms > 0
        and ms_count(job.get("running_time_ms")) >= limit_ms
    )
    if timed_out:
        note = f"max_running_time_ms {limit_ms} reached"
        return f"{note}: {sub_msg}" if sub_msg else note
    return sub_msg or None
