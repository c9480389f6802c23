"""The scheduler's own state changes: waiting in its queue, cancelled there, and what follows a loss."""

import uuid
from datetime import UTC, datetime, timedelta

from contracts.catalog import Exclusion
from contracts.events import JobLostOnVendor
from contracts.status import JobStatus
from services.scheduler.transitions import (
    QUEUED_RAW_STATUS, RESUBMITTING, Queued, after_loss, cancelled_in_queue, exclusions_changed, queue_reason_changed,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def job(sequence: int = 0, reason: str | None = None) -> Queued:
    return Queued(uuid.uuid4(), uuid.uuid4(), sequence, reason)


def lost(sequence: int = 4, started: bool = True) -> JobLostOnVendor:
    return JobLostOnVendor(job_id=uuid.uuid4(), tenant_id=uuid.uuid4(), vendor="modelarts", vendor_job_id="v-1",
                           cause="lost", reason="gone from the vendor", status=JobStatus.RUNNING,
                           raw_status="Running", sequence=sequence, observed_at=NOW - timedelta(seconds=5),
                           started_at=NOW - timedelta(minutes=3) if started else None)


def test_entering_the_queue_is_announced_from_pending_then_each_new_reason_from_queued():
    first = queue_reason_changed(job(), "no_capacity", NOW)
    assert (first.from_status, first.to_status, first.sequence, first.reason) == (
        JobStatus.PENDING, JobStatus.QUEUED, 1, "no_capacity")
    assert first.raw_status == QUEUED_RAW_STATUS and first.vendor is None
    again = queue_reason_changed(job(1, "no_capacity"), "funds", NOW)
    assert (again.from_status, again.sequence) == (JobStatus.QUEUED, 2)


def test_waiting_on_for_the_same_reason_is_not_announced_again():
    assert queue_reason_changed(job(3, "quota"), "quota", NOW) is None


def test_what_a_try_left_out_is_announced_when_it_differs_from_the_last_announcement():
    excluded = [Exclusion(vendor="caip", flavor=None, reason="vendor_degraded"),
                Exclusion.model_construct(vendor="modelarts", flavor="one", reason="sold_out")]
    first = exclusions_changed(job(1, "no_capacity"), None, excluded, NOW)
    assert first is not None and first.excluded == excluded and first.tried_at == NOW
    announced = [e.model_dump(mode="json") for e in excluded]
    assert exclusions_changed(job(1, "no_capacity"), announced, excluded, NOW) is None
    assert exclusions_changed(job(1, "no_capacity"), announced, excluded[:1], NOW).excluded == excluded[:1]
    assert exclusions_changed(job(1, "no_capacity"), None, [], NOW).excluded == []


def test_a_job_cancelled_in_the_queue_ends_stopped_without_a_vendor():
    change = cancelled_in_queue(job(2, "no_capacity"), NOW)
    assert (change.from_status, change.to_status, change.sequence, change.vendor) == (
        JobStatus.QUEUED, JobStatus.STOPPED, 3, None)
    assert cancelled_in_queue(job(), NOW).from_status is JobStatus.PENDING


def test_a_lost_job_goes_back_to_the_queue_while_resubmissions_are_left():
    event = lost()
    change = after_loss(event, resubmits=1, cancel_requested=False, limit=2, now=NOW)
    assert (change.to_status, change.reason, change.vendor, change.sequence) == (
        JobStatus.QUEUED, RESUBMITTING, None, 5)
    assert change.from_status is JobStatus.RUNNING and change.vendor_time == event.observed_at


def test_a_lost_job_fails_past_the_limit_naming_how_often_it_was_placed_again():
    event = lost()
    change = after_loss(event, resubmits=2, cancel_requested=False, limit=2, now=NOW)
    assert (change.to_status, change.vendor, change.raw_status) == (JobStatus.FAILED, "modelarts", "Running")
    assert change.reason == "lost: gone from the vendor (placed again 2 times already)"
    assert change.finished_at == event.observed_at and change.started_at == event.started_at


def test_a_lost_job_its_tenant_cancelled_fails_instead_of_being_placed_again():
    change = after_loss(lost(started=False), resubmits=0, cancel_requested=True, limit=2, now=NOW)
    assert change.to_status is JobStatus.FAILED and change.reason == "lost: gone from the vendor"
    assert change.finished_at is None  # it never started
