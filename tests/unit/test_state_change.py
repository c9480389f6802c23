import uuid
from datetime import UTC, datetime, timedelta

from contracts.status import JobStatus
from services.vendors.base import VendorJob
from contracts.events import JobLostOnVendor, JobStateChanged, JobSubmitted
from services.watcher.changes import (
    LOST_REASON, Tracked, first_state, lost_on_vendor, observe, state_change, stopped_reason,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def tracked(status=JobStatus.QUEUED, raw="Creating", sequence=1):
    return Tracked(job_id=uuid.uuid4(), tenant_id=uuid.uuid4(), vendor="modelarts", vendor_job_id="v-1",
                   status=status, raw_status=raw, sequence=sequence)


def seen(raw, status, started=None, finished=None):
    return VendorJob(vendor_job_id="v-1", name="sy-x", raw_status=raw, status=status, reason=None,
                     created_at=None, started_at=started, finished_at=finished)


def test_no_change_no_event():
    assert state_change(tracked(), seen("Creating", JobStatus.QUEUED), NOW) is None


def test_raw_change_alone_is_announced_with_the_same_normalized_status():
    change = state_change(tracked(), seen("Pending", JobStatus.QUEUED), NOW)
    assert change.from_status == change.to_status == JobStatus.QUEUED
    assert change.raw_status == "Pending" and change.sequence == 2


def test_running_carries_the_vendor_start_time():
    started = NOW - timedelta(seconds=5)
    change = state_change(tracked(), seen("Running", JobStatus.RUNNING, started), NOW)
    assert change.to_status == JobStatus.RUNNING and change.vendor_time == started and change.started_at == started


def test_terminal_carries_the_vendor_end_time():
    started, finished = NOW - timedelta(seconds=70), NOW - timedelta(seconds=3)
    change = state_change(tracked(JobStatus.RUNNING, "Running", 3), seen("Completed", JobStatus.SUCCEEDED,
                                                                        started, finished), NOW)
    assert change.to_status == JobStatus.SUCCEEDED and change.vendor_time == finished and change.sequence == 4


def test_unknown_raw_status_keeps_the_normalized_one():
    change = state_change(tracked(JobStatus.RUNNING, "Running"), seen("Hibernating", None), NOW)
    assert change.to_status == JobStatus.RUNNING and change.raw_status == "Hibernating"


def test_a_terminal_job_never_changes_again():
    assert state_change(tracked(JobStatus.STOPPED, "Terminated"), seen("Completed", JobStatus.SUCCEEDED), NOW) is None


def test_a_vendor_without_run_times_gets_the_observed_ones():
    running = state_change(tracked(), seen("Running", JobStatus.RUNNING), NOW)
    assert running.started_at == NOW and running.finished_at is None
    later = NOW + timedelta(seconds=90)
    done = state_change(Tracked(**{**tracked(JobStatus.RUNNING, "Running", 3).__dict__, "started_at": NOW}),
                        seen("Completed", JobStatus.SUCCEEDED), later)
    assert done.started_at == NOW and done.finished_at == later


def test_a_start_once_announced_is_kept_when_the_vendor_later_says_less():
    # AI Space: running, its phase change; ended, its row keeps only the earlier launch.
    ran_from, launched, ended = NOW - timedelta(seconds=60), NOW - timedelta(seconds=150), NOW - timedelta(seconds=2)
    running = Tracked(**{**tracked(JobStatus.RUNNING, "Running", 3).__dict__, "started_at": ran_from})
    done = state_change(running, seen("Succeeded", JobStatus.SUCCEEDED, launched, ended), NOW)
    assert done.started_at == ran_from and done.finished_at == ended


def test_a_job_never_seen_running_has_no_invented_start():
    done = state_change(tracked(), seen("Completed", JobStatus.SUCCEEDED), NOW)
    assert done.started_at is None and done.finished_at is None


def test_a_failure_on_the_vendors_side_is_handed_to_the_scheduler_not_announced_as_failed():
    job = tracked(JobStatus.RUNNING, "Running", 3)
    broken = VendorJob(vendor_job_id="v-1", name="sy-x", raw_status="Abnormal", status=JobStatus.FAILED,
                       reason="Lost", created_at=None, started_at=None, finished_at=None, infrastructure_failure=True)
    lost = observe(job, broken, NOW)
    assert isinstance(lost, JobLostOnVendor)
    assert (lost.cause, lost.reason, lost.status, lost.raw_status, lost.sequence) == (
        "infrastructure", "Lost", JobStatus.RUNNING, "Abnormal", 3)


def test_a_job_that_failed_by_its_own_fault_is_a_plain_failure():
    change = observe(tracked(JobStatus.RUNNING, "Running", 3), seen("Failed", JobStatus.FAILED), NOW)
    assert isinstance(change, JobStateChanged) and change.to_status == JobStatus.FAILED and change.sequence == 4


def test_a_job_gone_from_its_vendor_is_lost_with_its_last_sequence():
    job = tracked(JobStatus.QUEUED, "Pending", 2)
    lost = lost_on_vendor(job, NOW, cause="lost", reason=LOST_REASON, raw_status="NotFound")
    assert (lost.vendor, lost.vendor_job_id, lost.cause, lost.sequence) == ("modelarts", "v-1", "lost", 2)


def submitted(sequence=0):
    return JobSubmitted(job_id=uuid.uuid4(), tenant_id=uuid.uuid4(), vendor="modelarts", vendor_job_id="v-1",
                        flavor="f", accelerator="cpu", count=1, vendor_price_per_hour=1, raw_status="Creating",
                        submitted_at=NOW - timedelta(seconds=3), sequence=sequence)


def test_a_submitted_job_is_first_announced_queued_from_pending():
    event = submitted()
    first = first_state(event, NOW)
    assert (first.from_status, first.to_status, first.sequence) == (JobStatus.PENDING, JobStatus.QUEUED, 1)
    assert (first.raw_status, first.vendor_time, first.observed_at) == ("Creating", event.submitted_at, NOW)


def test_a_job_that_waited_in_switchyards_queue_is_announced_from_queued_after_the_schedulers_sequence():
    first = first_state(submitted(sequence=3), NOW)
    assert (first.from_status, first.to_status, first.sequence) == (JobStatus.QUEUED, JobStatus.QUEUED, 4)


def test_a_lost_job_says_why_it_is_no_longer_followed():
    lost = lost_on_vendor(tracked(), NOW, cause="lost", reason=LOST_REASON, raw_status="NotFound")
    assert stopped_reason(lost) == f"lost: {LOST_REASON}"
