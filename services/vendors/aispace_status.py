"""Translate AI Space vocabulary (statuses of each kind, spec strings) into Switchyard's terms."""

import html
import re

from contracts.status import JobStatus

_TAGS = re.compile(r"<[^>]*>")
_GPU_SPEC = re.compile(r"^\s*(\d+)\s*(?:\(\s*([^)]*?)\s*\))?\s*$")
_MEMORY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B?)?\s*$", re.IGNORECASE)


def clean_status(raw: str | None) -> str:
    """A status as a person reads it: `final_status` may be an svg icon followed by "&nbsp;&nbsp;未知"."""
    return html.unescape(_TAGS.sub("", raw or "")).replace("\xa0", " ").strip()


# LLM tasks and training jobs: Argo workflow phases ("Pending,Running,Succeeded,Failed,Terminated" [DOC], plus
# Argo's Error). Switchyard's PENDING means "not yet on a vendor", so a task that exists but has not run (status
# "", it is started right after creation) or waits for resources is QUEUED.
_TASK_STATUSES: dict[str, JobStatus] = {
    "": JobStatus.QUEUED,
    "pending": JobStatus.QUEUED,
    "running": JobStatus.RUNNING,
    "succeeded": JobStatus.SUCCEEDED,
    "success": JobStatus.SUCCEEDED,
    "failed": JobStatus.FAILED,
    "error": JobStatus.FAILED,
    "terminated": JobStatus.STOPPED,  # stopped through /stop/
}

# [INFER] Notebooks: the pod phase upstream Cube Studio reports; "Stopped" once stopInstance removed the pod.
_NOTEBOOK_STATUSES: dict[str, JobStatus] = {
    "pending": JobStatus.QUEUED,
    "running": JobStatus.RUNNING,
    "succeeded": JobStatus.SUCCEEDED,
    "failed": JobStatus.FAILED,
    "stopped": JobStatus.STOPPED,
}

# Evaluations: `state` [DOC "Stopped"]; the others are assumed.
_EVALUATION_STATES: dict[str, JobStatus] = {
    "": JobStatus.QUEUED,
    "pending": JobStatus.QUEUED,
    "running": JobStatus.RUNNING,
    "succeeded": JobStatus.SUCCEEDED,
    "failed": JobStatus.FAILED,
    "stopped": JobStatus.STOPPED,
}


def map_task_status(raw: str | None) -> JobStatus | None:
    """LLM task / training job `status` (or `final_status`); None for 未知, Skipped and anything unknown."""
    return _TASK_STATUSES.get(clean_status(raw).lower())


def map_notebook_status(raw: str | None) -> JobStatus | None:
    """[INFER] notebook `status`; None for "unknown" and anything else."""
    return _NOTEBOOK_STATUSES.get(clean_status(raw).lower())


def map_service_status(model_status: str | None, deployed_before: bool) -> JobStatus | None:
    """[INFER] online service `model_status`.

    "offline" is both the state of a new service and that of a service taken offline: a service that has a
    deploy history was running and is now STOPPED; one without is still waiting to be deployed (QUEUED).
    """
    status = clean_status(model_status).lower()
    if status in ("online", "test"):  # test = 调试中, a debug instance is up
        return JobStatus.RUNNING
    if status == "offline":
        return JobStatus.STOPPED if deployed_before else JobStatus.QUEUED
    if status == "delete":
        return JobStatus.STOPPED
    return None


def map_evaluation_state(raw: str | None) -> JobStatus | None:
    return _EVALUATION_STATES.get(clean_status(raw).lower())


# Accelerator models as AI Space writes them in `specGpu` ("2(H800)") -> normalized class.
_GPU_MODELS: dict[str, str] = {
    "h800": "nvidia-h800",
    "h100": "nvidia-h100",
    "h20": "nvidia-h20",
    "a800": "nvidia-a800",
    "a100": "nvidia-a100",
    "a10": "nvidia-a10",
    "v100": "nvidia-v100",
    "t4": "nvidia-t4",
    "l20": "nvidia-l20",
    "l40s": "nvidia-l40s",
    "910b": "ascend-910b",
    "ascend910b": "ascend-910b",
    "ascend-910b": "ascend-910b",
    "mlu370": "mlu370",
    "mlu590": "mlu590",
}


def parse_gpu_spec(spec: object) -> tuple[str, int]:
    """`specGpu` / `resource_gpu` -> (accelerator class, count): "2(H800)" -> ("nvidia-h800", 2), "0" -> ("cpu", 0).

    A count without a model ("1", as in the evaluation example) or an unknown model keeps a recognisable class
    ("gpu-unknown", "gpu-<model>") rather than being forced into a known one.
    """
    match = _GPU_SPEC.match(str(spec if spec is not None else "0") or "0")
    if match is None:
        raise ValueError(f"not a GPU spec: {spec!r}")
    count, model = int(match[1]), (match[2] or "").strip().lower()
    if count == 0:
        return "cpu", 0
    if not model:
        return "gpu-unknown", count
    slug = re.sub(r"[^a-z0-9]+", "-", model).strip("-")
    return _GPU_MODELS.get(model, _GPU_MODELS.get(slug, f"gpu-{slug}")), count


def parse_memory_gb(value: object) -> int:
    """ "100", "100G", "4G", "1024", "512Mi" -> whole GB (bare numbers are GB)."""
    match = _MEMORY.match(str(value if value is not None else ""))
    if match is None:
        raise ValueError(f"not a memory size: {value!r}")
    number, unit = float(match[1]), match[2].upper()
    scale = {"K": 1 / 1024**2, "M": 1 / 1024, "G": 1, "T": 1024, "": 1}[unit]
    return int(number * scale)


def parse_cpu(value: object) -> int:
    """ "16" -> 16 cores; fractional cores are rounded down."""
    try:
        return int(float(str(value).strip()))
    except ValueError:
        raise ValueError(f"not a CPU count: {value!r}") from None
