"""CAIP job states -> Switchyard's JobStatus (services.vendors.caip.status)."""

import pytest

from contracts.status import JobStatus
from services.vendors.caip.status import (
    ACTIVE_STATUSES,
    aggregate,
    map_job_status,
    map_sub_job_status,
    needs_stop,
    status_from_counts,
)

RUNNING_POD = {"overview": "Aborting", "running": 0, "terminating": 1}
NO_POD = {"overview": "Aborting", "running": 0, "terminating": 0}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Pending", JobStatus.QUEUED),
        ("Inqueue", JobStatus.QUEUED),
        ("Running", JobStatus.RUNNING),
        ("Restarting", JobStatus.RUNNING),
        ("Completing", JobStatus.RUNNING),
        ("Completed", JobStatus.SUCCEEDED),
        ("Succeeded", JobStatus.SUCCEEDED),
        ("Failed", JobStatus.FAILED),
        ("Aborted", JobStatus.STOPPED),
        ("Terminated", JobStatus.STOPPED),
        ("Stopped", JobStatus.STOPPED),
    ],
)
def test_job_status_table(raw: str, expected: JobStatus) -> None:
    assert map_job_status(raw, []) is expected
    assert map_sub_job_status({"overview": raw}) is expected


@pytest.mark.parametrize("raw", ["running", "RUNNING", " Running "])
def test_case_and_spaces_do_not_matter(raw: str) -> None:
    assert map_job_status(raw, []) is JobStatus.RUNNING


@pytest.mark.parametrize("raw", ["Aborting", "Terminating"])
def test_stopping_is_running_while_pods_hold_resources_else_unknown(raw: str) -> None:
    assert map_job_status(raw, [RUNNING_POD]) is JobStatus.RUNNING
    assert map_job_status(raw, [NO_POD]) is None  # keep the previous status: nothing runs or bills
    assert map_sub_job_status(RUNNING_POD | {"overview": raw}) is JobStatus.RUNNING
    assert map_sub_job_status(NO_POD | {"overview": raw}) is None


@pytest.mark.parametrize("raw", ["Unknown", "Queuing", "Exploded"])
def test_unknown_statuses_map_to_none(raw: str) -> None:
    assert map_job_status(raw, []) is None


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({"failed": 1, "running": 0, "minAvailable": 2}, JobStatus.FAILED),
        ({"succeeded": 2, "minAvailable": 2}, JobStatus.SUCCEEDED),
        ({"succeeded": 1, "running": 1, "minAvailable": 2}, JobStatus.RUNNING),
        ({"failed": 1, "running": 1, "minAvailable": 2}, JobStatus.RUNNING),
        ({"terminating": 2, "minAvailable": 2}, JobStatus.RUNNING),
        ({"pending": 2, "minAvailable": 2}, JobStatus.QUEUED),
        ({"unknown": 2, "minAvailable": 2}, None),
        ({}, None),
    ],
)
def test_count_fallback(counts: dict, expected: JobStatus | None) -> None:
    assert status_from_counts(counts) is expected
    assert map_sub_job_status(counts | {"overview": ""}) is expected


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], JobStatus.QUEUED),  # just created, no sub-job yet
        ([JobStatus.SUCCEEDED, JobStatus.RUNNING], JobStatus.RUNNING),
        ([JobStatus.QUEUED, JobStatus.STOPPED], JobStatus.QUEUED),
        ([JobStatus.SUCCEEDED, JobStatus.SUCCEEDED], JobStatus.SUCCEEDED),
        ([JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.STOPPED], JobStatus.FAILED),
        ([JobStatus.SUCCEEDED, JobStatus.STOPPED], JobStatus.STOPPED),
        ([JobStatus.SUCCEEDED, None], None),
    ],
)
def test_aggregate_over_sub_jobs(statuses: list, expected: JobStatus | None) -> None:
    assert aggregate(statuses) is expected


def test_an_empty_job_status_is_read_from_its_sub_jobs() -> None:
    subs = [{"overview": "Completed"}, {"overview": "", "running": 1, "minAvailable": 1}]
    assert map_job_status("", subs) is JobStatus.RUNNING
    assert map_job_status(None, [{"overview": "Failed"}, {"overview": "Completed"}]) is JobStatus.FAILED


def test_active_statuses_are_exactly_the_non_terminal_ones() -> None:
    for raw in ACTIVE_STATUSES:
        status = map_job_status(raw, [RUNNING_POD])
        assert status is not None and not status.is_terminal
    for raw in ("Completed", "Succeeded", "Failed", "Aborted", "Terminated", "Stopped"):
        status = map_job_status(raw, [])
        assert status is not None and status.is_terminal


@pytest.mark.parametrize(
    ("status", "stop"),
    [
        ({"overview": "Pending", "pending": 1}, True),
        ({"overview": "Running", "running": 1}, True),
        ({"overview": "Exploded"}, True),  # unknown: stopping is the safe side
        ({"overview": "Aborting", "terminating": 1}, False),
        ({"overview": "Terminating"}, False),
        ({"overview": "Completed"}, False),
        ({"overview": "Aborted"}, False),
        ({"overview": "", "failed": 1, "minAvailable": 1}, False),
    ],
)
def test_which_sub_jobs_still_need_a_stop(status: dict, stop: bool) -> None:
    assert needs_stop(status) is stop
