import uuid
from datetime import UTC, datetime, timedelta

from contracts.status import JobStatus
from services.vendors.base import VendorJob
from services.watcher.changes import Tracked, state_change

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


def test_a_job_never_seen_running_has_no_invented_start():
    done = state_change(tracked(), seen("Completed", JobStatus.SUCCEEDED), NOW)
    assert done.started_at is None and done.finished_at is None
