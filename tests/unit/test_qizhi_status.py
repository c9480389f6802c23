"""Qizhi status words, ms-epoch strings and reasons -> Switchyard's terms."""

from datetime import UTC, datetime

import pytest

from contracts.status import JobStatus
from services.vendors.qizhi.status import map_status
from services.vendors.qizhi.wire import from_ms, job_reason, ms_count


@pytest.mark.parametrize(
    ("status", "has_run", "expected"),
    [
        # [EXT] observed words
        ("job_queuing", False, JobStatus.QUEUED),
        ("job_creating", False, JobStatus.QUEUED),  # resources granted, not yet running
        ("job_creating", True, JobStatus.RUNNING),  # a fault-tolerant restart in place
        ("job_running", True, JobStatus.RUNNING),
        ("job_succeeded", True, JobStatus.SUCCEEDED),
        ("job_failed", True, JobStatus.FAILED),
        ("job_failed", False, JobStatus.FAILED),
        ("job_create_failed", False, JobStatus.FAILED),
        ("job_stopped", True, JobStatus.STOPPED),
        ("job_stopped", False, JobStatus.STOPPED),
        # speculative words, mapped defensively
        ("job_pending", False, JobStatus.QUEUED),
        ("job_queued", False, JobStatus.QUEUED),
        ("job_pulling_image", False, JobStatus.QUEUED),
        ("job_pulling_image", True, JobStatus.RUNNING),
        ("job_stopping", True, JobStatus.RUNNING),  # still holding resources
        ("job_stopping", False, JobStatus.QUEUED),
        ("job_cancelled", False, JobStatus.STOPPED),
    ],
)
def test_status_table(status: str, has_run: bool, expected: JobStatus) -> None:
    assert map_status(status, has_run=has_run) is expected


@pytest.mark.parametrize("status", ["JOB_RUNNING", " job_running "])
def test_status_ignores_case_and_spaces(status: str) -> None:
    assert map_status(status, has_run=True) is JobStatus.RUNNING


@pytest.mark.parametrize("status", ["RUNNING", "job_exploded", "", None])
def test_unknown_status_maps_to_none(status: str | None) -> None:
    assert map_status(status, has_run=False) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1715068800000", datetime(2024, 5, 7, 8, 0, tzinfo=UTC)),
        (1715068800123, datetime(2024, 5, 7, 8, 0, 0, 123000, tzinfo=UTC)),
        ("", None),
        ("0", None),
        (None, None),
        ("soon", None),
    ],
)
def test_ms_epoch_strings(value: object, expected: datetime | None) -> None:
    assert from_ms(value) == expected


@pytest.mark.parametrize(("value", "expected"), [("604800", 604800), (604800, 604800), (" 5 ", 5), ("x", 0), (True, 0)])
def test_ms_count_is_lenient(value: object, expected: int) -> None:
    assert ms_count(value) == expected


@pytest.mark.parametrize(
    ("job", "expected"),
    [
        ({"status": "job_queuing", "sub_msg": "资源不足，排队中"}, "资源不足，排队中"),
        ({"status": "job_running", "sub_msg": ""}, None),
        ({"status": "job_succeeded"}, None),
        (
            {"status": "job_stopped", "running_time_ms": "86400000", "max_running_time_ms": "86400000", "sub_msg": ""},
            "max_running_time_ms 86400000 reached",
        ),
        (
            {"status": "job_stopped", "running_time_ms": "90000", "max_running_time_ms": "60000", "sub_msg": "已停止"},
            "max_running_time_ms 60000 reached: 已停止",
        ),
        ({"status": "job_stopped", "running_time_ms": "5000", "max_running_time_ms": "60000"}, None),  # by /stop
        ({"status": "job_stopped", "running_time_ms": "5000", "max_running_time_ms": "0"}, None),  # no limit
    ],
)
def test_reason(job: dict, expected: str | None) -> None:
    assert job_reason(job) == expected
