"""Qizhi's status words in Switchyard's terms.

The document gives `status` only as "jobStatus"; the words are [EXT] (observed by public clients,
`job_`-prefixed snake case), plus a few seen only in speculative client code, mapped defensively.
"""

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
