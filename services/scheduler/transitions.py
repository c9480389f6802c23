"""The state changes the scheduler decides and announces for jobs not (or no longer) on a vendor, as plain
functions: a job waiting in Switchyard's queue with a new reason, a queued job cancelled, and a job its vendor
lost, which is placed again elsewhere or, past the resubmission limit or once cancelled, fails.

Sequence numbers continue those of the job (the watcher's while it was on a vendor)."""

from dataclasses import dataclass
from datetime import datetime

from contracts.catalog import Exclusion
from contracts.events import JobExclusionsChanged, JobLostOnVendor, JobStateChanged
from contracts.status import JobStatus

QUEUED_RAW_STATUS = "switchyard:queued"  # the raw status of a job waiting in Switchyard's own queue
CANCELLED_RAW_STATUS = "switchyard:cancelled"
RESUBMITTING = "resubmitting"  # the queue reason of a job placed again after its vendor lost it


@dataclass(frozen=True)
class Queued:
    """What the queue knows of a job that is waiting (a row of scheduler.placements)."""
    job_id: object
    tenant_id: object
    sequence: int  # the last sequence announced for the job; 0: none yet (it is PENDING)
    queue_reason: str | None


def _waiting_status(sequence: int) -> JobStatus:
    return JobStatus.QUEUED if sequence else JobStatus.PENDING


def queue_reason_changed(job: Queued, reason: str, now: datetime) -> JobStateChanged | None:
    """Entering the queue, or waiting for another reason, is announced; waiting on for the same one is not."""
    if reason == job.queue_reason:
        return None
    return JobStateChanged(
        job_id=job.job_id, tenant_id=job.tenant_id, vendor=None, vendor_job_id=None,
        from_status=_waiting_status(job.sequence), to_status=JobStatus.QUEUED, raw_status=QUEUED_RAW_STATUS,
        reason=reason, vendor_time=None, observed_at=now, sequence=job.sequence + 1,
    )


def exclusions_changed(job: Queued, announced: list[dict] | None, excluded: list[Exclusion],
                       now: datetime) -> JobExclusionsChanged | None:
    """A try that left out other vendors or flavors, or for other reasons, than the last one announced (as JSON,
    None: none yet) is announced; the same list again is not."""
    if announced is not None and [Exclusion.model_validate(e) for e in announced] == excluded:
        return None
    return JobExclusionsChanged(job_id=job.job_id, tenant_id=job.tenant_id, excluded=excluded, tried_at=now)


def cancelled_in_queue(job: Queued, now: datetime) -> JobStateChanged:
    """A job cancelled before it reached a vendor ends STOPPED."""
    return JobStateChanged(
        job_id=job.job_id, tenant_id=job.tenant_id, vendor=None, vendor_job_id=None,
        from_status=_waiting_status(job.sequence), to_status=JobStatus.STOPPED, raw_status=CANCELLED_RAW_STATUS,
        reason="cancelled before it reached a vendor", vendor_time=now, observed_at=now, sequence=job.sequence + 1,
    )


def after_loss(lost: JobLostOnVendor, *, resubmits: int, cancel_requested: bool, limit: int,
               now: datetime) -> JobStateChanged:
    """A job its vendor lost goes back to the queue to be placed again (QUEUED, `resubmitting`), unless it was
    placed again `limit` times already or its tenant cancelled it: then it fails with the vendor's reason."""
    change = dict(job_id=lost.job_id, tenant_id=lost.tenant_id, from_status=lost.status, observed_at=now,
                  vendor_time=lost.observed_at, sequence=lost.sequence + 1)
    if resubmits >= limit or cancel_requested:
        tried = f" (placed again {resubmits} times already)" if resubmits else ""
        return JobStateChanged(
            **change, vendor=lost.vendor, vendor_job_id=lost.vendor_job_id, to_status=JobStatus.FAILED,
            raw_status=lost.raw_status, reason=f"{lost.cause}: {lost.reason}{tried}", started_at=lost.started_at,
            finished_at=lost.observed_at if lost.started_at else None,
        )
    return JobStateChanged(**change, vendor=None, vendor_job_id=None, to_status=JobStatus.QUEUED,
                           raw_status=QUEUED_RAW_STATUS, reason=RESUBMITTING)
