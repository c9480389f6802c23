"""Translate AI Space's statuses of each kind into Switchyard's terms."""

import html
import re

from contracts.status import JobStatus

_TAGS = re.compile(r"<[^>]*>")


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
