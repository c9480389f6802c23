"""Translate CAIP job states into Switchyard's JobStatus.

The document gives no status vocabulary: a batch job's `status` (and `info.overview`) is a free
string, a sub-job's `status` is a `TrainingJobStatus` object of pod counters plus `overview`.
The counters are Volcano's, so [INFER] (digest §4) the strings are Volcano job phases:

| vendor status (any case)                | JobStatus                                              |
|-----------------------------------------|--------------------------------------------------------|
| Pending, Inqueue                        | QUEUED                                                 |
| Running, Restarting, Completing         | RUNNING                                                |
| Aborting, Terminating                   | RUNNING while pods run or terminate, else None (keep)  |
| Completed, Succeeded                    | SUCCEEDED                                              |
| Failed                                  | FAILED                                                 |
| Aborted, Terminated, Stopped            | STOPPED                                                |
| empty                                   | from the sub-jobs (their overview, else pod counts)    |
| anything else                           | None (unknown)                                         |

A job that exists on CAIP and waits is QUEUED (Switchyard's PENDING means "not on a vendor yet").
A stopping job keeps being RUNNING (and billed) while its pods still terminate, as with ModelArts.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from contracts.status import JobStatus

_STATUSES: dict[str, JobStatus] = {
    "pending": JobStatus.QUEUED,
    "inqueue": JobStatus.QUEUED,
    "running": JobStatus.RUNNING,
    "restarting": JobStatus.RUNNING,
    "completing": JobStatus.RUNNING,
    "completed": JobStatus.SUCCEEDED,
    "succeeded": JobStatus.SUCCEEDED,
    "failed": JobStatus.FAILED,
    "aborted": JobStatus.STOPPED,
    "terminated": JobStatus.STOPPED,
    "stopped": JobStatus.STOPPED,
}
_RELEASING = frozenset({"aborting", "terminating"})

# Non-terminal statuses, spelled as CAIP does: the `status` filter of the job list.
ACTIVE_STATUSES: tuple[str, ...] = (
    "Pending", "Inqueue", "Running", "Restarting", "Completing", "Aborting", "Terminating",
)  # fmt: skip


def map_job_status(raw: str | None, sub_jobs: Sequence[Mapping[str, Any]]) -> JobStatus | None:
    """A batch job's status from its `status` string and its sub-jobs' `TrainingJobStatus` objects."""
    word = (raw or "").strip().lower()
    if not word:
        return aggregate([map_sub_job_status(status) for status in sub_jobs])
    if word in _RELEASING:
        return JobStatus.RUNNING if any(_holds_pods(status) for status in sub_jobs) else None
    return _STATUSES.get(word)


def map_sub_job_status(status: Mapping[str, Any]) -> JobStatus | None:
    """One sub-job: its `overview` when set, else its pod counts."""
    word = str(status.get("overview") or "").strip().lower()
    if not word:
        return status_from_counts(status)
    if word in _RELEASING:
        return JobStatus.RUNNING if _holds_pods(status) else None
    return _STATUSES.get(word)


def needs_stop(status: Mapping[str, Any]) -> bool:
    """Whether a sub-job still has to be stopped: it has not ended, nor begun stopping."""
    if str(status.get("overview") or "").strip().lower() in _RELEASING:
        return False
    normalized = map_sub_job_status(status)
    return normalized is None or not normalized.is_terminal


def status_from_counts(status: Mapping[str, Any]) -> JobStatus | None:
    """The digest's count-based fallback, for a sub-job without `overview`."""
    pending, running, succeeded, failed, terminating = (
        _count(status, key) for key in ("pending", "running", "succeeded", "failed", "terminating")
    )
    min_available = _count(status, "minAvailable")
    if failed and not running:
        return JobStatus.FAILED
    if min_available and succeeded >= min_available and not running and not pending:
        return JobStatus.SUCCEEDED
    if running or terminating:
        return JobStatus.RUNNING
    if pending:
        return JobStatus.QUEUED
    return None


def aggregate(statuses: Sequence[JobStatus | None]) -> JobStatus | None:
    """A job from its sub-jobs: running while any runs, waiting while any waits; once all ended,
    FAILED if any failed, SUCCEEDED if all succeeded, else STOPPED. No sub-job yet: QUEUED."""
    if not statuses:
        return JobStatus.QUEUED
    for status in (JobStatus.RUNNING, JobStatus.QUEUED):
        if status in statuses:
            return status
    if None in statuses:
        return None
    if JobStatus.FAILED in statuses:
        return JobStatus.FAILED
    if all(status is JobStatus.SUCCEEDED for status in statuses):
        return JobStatus.SUCCEEDED
    return JobStatus.STOPPED


def _holds_pods(status: Mapping[str, Any]) -> bool:
    return bool(_count(status, "running") or _count(status, "terminating"))


def _count(status: Mapping[str, Any], key: str) -> int:
    value = status.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
