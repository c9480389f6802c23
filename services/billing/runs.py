"""A job's runs: what a job state change means for billing once a job can be placed more than once.

When a job's vendor loses it, the scheduler puts it back into Switchyard's own queue (a change to
QUEUED without a vendor) and later places it again (a new JobSubmitted, maybe another vendor and
price). Each placement is a run. The tenant pays every started minute of every run at that run's
price: leaving the vendor trues the run up to when the loss was seen, the job then waits (nothing is
metered) until the next JobSubmitted freezes the next run's price, and its RUNNING meters from its
own start. Only the last run is trued up by the terminal status.
"""

import uuid
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Protocol

from contracts.billing import UsageMinute
from contracts.status import JobStatus


class Step(StrEnum):
    IGNORE = "ignore"
    START = "start"  # the current run is RUNNING: meter it from its start
    LEAVE = "leave"  # the job left its vendor for Switchyard's queue: true the run up to then, wait
    FINISH = "finish"  # terminal: true up the last run and settle the job


def leaves_vendor(vendor: str | None, to_status: JobStatus) -> bool:
    """The scheduler took the job back into its own queue (its vendor lost it)."""
    return vendor is None and to_status == JobStatus.QUEUED


def before_first_placement(vendor: str | None) -> bool:
    """A state change of a job billing has no row of yet is normal when it comes from Switchyard's own queue
    (no vendor): a job queues, or is cancelled, before its first JobSubmitted."""
    return vendor is None


def step(*, state: str, waiting: bool, run_vendor_job_id: str | None, vendor: str | None,
         vendor_job_id: str | None, to_status: JobStatus) -> Step:
    """What a state change does to a metered job in `state` ('submitted', 'running', 'finished');
    `waiting`: it left its last vendor and no new run was submitted yet; `run_vendor_job_id`: the
    vendor job of its current (or last) run, None if unknown."""
    if state == "finished":
        return Step.IGNORE  # the first terminal status settled the job
    if vendor_job_id is not None and run_vendor_job_id is not None and vendor_job_id != run_vendor_job_id:
        return Step.IGNORE  # a late word about an earlier run's vendor job
    if waiting and vendor_job_id is not None:
        return Step.IGNORE  # the lost run's late word: until the next run only the scheduler speaks for the job
    if to_status.is_terminal:
        return Step.FINISH
    if leaves_vendor(vendor, to_status):
        return Step.IGNORE if waiting else Step.LEAVE  # while waiting: only news of the queue
    if to_status == JobStatus.RUNNING and state == "submitted" and not waiting:
        return Step.START
    return Step.IGNORE


def is_next_submission(*, state: str, sequence: int, run_sequence: int) -> bool:
    """A JobSubmitted for an already metered job starts its next run only when the job is not running
    or finished and the submission is newer than the one the current price came from; a repeat or an
    older one changes nothing."""
    return state == "submitted" and sequence > run_sequence


class Run(Protocol):
    state: str
    minute_base: int


def rateable(minutes: Iterable[UsageMinute], jobs: Mapping[uuid.UUID, Run]) -> list[tuple[uuid.UUID, int]]:
    """The (job, minute) the rater books: minutes of a running job's current run. Minutes of a job that
    is not running (ended, or waiting for its next run) and of its earlier runs (below its minute_base)
    were settled by the true-up; minutes of unknown jobs have no price to book at."""
    running = {job_id: job.minute_base for job_id, job in jobs.items() if job.state == "running"}
    return [(job_id, minute) for m in minutes
            if (base := running.get(job_id := m.job_id)) is not None and (minute := m.minute) >= base]
