"""Qizhi job vocabulary in Switchyard's terms: status words, ms-epoch strings, the reason shown.

The document gives `status` only as "jobStatus"; the words are [EXT] (observed by public clients,
`job_`-prefixed snake case), plus a few seen only in speculative client code, mapped defensively.
"""

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from contracts.status import JobStatus

_STATUSES: dict[str, JobStatus] = {
    "job_queuing": JobStatus.QUEUED,
    "job_running": JobStatus.RUNNING,
    "job_succeeded": JobStatus.SUCCEEDED,
    "job_failed": JobStatus.FAILED,
    "job_create_failed": JobStatus.FAILED,  # failed before it ever ran
    "job_stopped": JobStatus.STOPPED,  # by /stop, or by the platform at max_running_time_ms
    # speculative, not confirmed
    "job_pending": JobStatus.QUEUED,
    "job_queued": JobStatus.QUEUED,
    "job_cancelled": JobStatus.STOPPED,
}

# Resources granted but the job is not running: pods being created, an image being pulled, a stop
# under way. Before the job first ran (no `timeline.run`) this is still waiting, so QUEUED, and
# billing starts at `timeline.run`, where the vendor's own `running_time_ms` starts. After it ran,
# it is a fault-tolerant restart in place (`current_running_round` + 1) or a stop in progress, and
# it stays RUNNING, so the normalized status never moves backwards.
_BETWEEN_STATES = frozenset({"job_creating", "job_pulling_image", "job_stopping"})


def map_status(status: str | None, *, has_run: bool) -> JobStatus | None:
    """Normalized status of a Qizhi job; None for a status word we do not know.

    `has_run`: the job's `timeline.run` is set (it has started running at least once).
    """
    if not status:
        return None
    word = status.strip().lower()
    if word in _BETWEEN_STATES:
        return JobStatus.RUNNING if has_run else JobStatus.QUEUED
    return _STATUSES.get(word)


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
