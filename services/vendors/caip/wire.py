"""CAIP bodies <-> Switchyard values: the batch training job CAIP is sent, the VendorJob read from its answer,
and its RFC 3339 times."""

from datetime import UTC, datetime
from typing import Any

from services.vendors.base import SubmitRequest, VendorJob
from services.vendors.data import held_by, job_env
from services.vendors.caip.settings import VENDOR, CaipSettings
from services.vendors.caip.status import map_job_status
from services.vendors.errors import VendorUnavailable


def job_body(req: SubmitRequest, settings: CaipSettings) -> dict[str, Any]:
    """The create body: one `normal` batch training job, one sub-job of `node_count` workers, its data volumes."""
    assert req.command is not None
    # BatchTrainingJobSpec is undefined in the doc; [INFER] it takes TrainingJobBasicSpec and
    # TrainingAlgorithmSpec fields (digest §3.3). `command` is required yet documented as "UI
    # only", so the script also goes to `executionCommand`. Environment variables: [INFER]
    # `spec.env` as Kubernetes EnvVars. CAIP has no run-time limit: max_runtime_s is not sent.
    spec: dict[str, Any] = {
        "image": req.image,
        "workerCount": req.node_count,
        "flavorIDs": [req.flavor_id],
        "command": ["/bin/bash", "-c", req.command],
        "executionCommand": req.command,
        "env": [{"name": key, "value": value} for key, value in job_env(req).items()],
    }
    # Inputs are "my dataset" volumes (sampleVolumes, read-only), outputs "my model" volumes (modelVolumes,
    # written) [DOC VolumeSource]. CAIP mounts them where it does: a VolumeSource has no path.
    inputs, outputs = held_by(VENDOR, req.inputs), held_by(VENDOR, req.outputs)
    if inputs:
        spec["sampleVolumes"] = [{"id": m.location.id, "readOnly": True, "source": "private"} for m in inputs]
    if outputs:
        spec["modelVolumes"] = [{"id": m.location.id, "readOnly": False, "source": "private"} for m in outputs]
    return {
        "metadata": {"name": req.name},
        "trainingType": "normal",
        "communType": "standalone" if req.node_count == 1 else settings.distributed_commun_type,
        "priorityClassName": settings.priority_class,
        "spec": spec,
    }


def parse_job(item: dict[str, Any]) -> VendorJob:
    """A batch training job (detail or list item) as a VendorJob."""
    metadata = item.get("metadata") or {}
    subs = (item.get("subJobs") or {}).get("items") or []
    sub_statuses = [sub.get("status") or {} for sub in subs]
    raw = str(item.get("status") or (item.get("info") or {}).get("overview") or "")
    return VendorJob(
        vendor_job_id=item_id(item, "uid"),
        name=str(metadata.get("name") or ""),
        raw_status=raw,
        status=map_job_status(raw, sub_statuses),
        reason=_reason(subs),
        created_at=parse_time(metadata.get("creationTimestamp")),
        # The API has no start or end time (only creationTimestamp): the watcher observes them.
        started_at=None,
        finished_at=None,
    )


def _reason(subs: list[dict[str, Any]]) -> str | None:
    """Which sub-jobs had failing pods."""
    failures = [
        f"{(sub.get('metadata') or {}).get('name')}: {status.get('failed')} of {status.get('minAvailable')} pods failed"
        for sub in subs
        if (status := sub.get("status") or {}).get("failed")
    ]
    return "; ".join(failures) or None


def item_id(item: dict[str, Any], key: str) -> str:
    """A listed item's id: `metadata.uid` of a job, the top-level `key` of anything else."""
    value = (item.get("metadata") or {}).get(key) if key == "uid" else item.get(key)
    if not value:
        raise VendorUnavailable(VENDOR, f"a listed item has no {key}")
    return str(value)


def parse_time(value: Any) -> datetime | None:
    """RFC 3339 ([EXT] clients parse creationTimestamp so), as tz-aware UTC."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
