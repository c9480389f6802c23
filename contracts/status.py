"""Normalized job status shared by every service."""

from enum import StrEnum


class JobStatus(StrEnum):
    PENDING = "PENDING"  # accepted by Switchyard, not yet on a vendor
    QUEUED = "QUEUED"  # on a vendor (or Switchyard's queue), waiting for resources
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    STOPPED = "STOPPED"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.STOPPED})
