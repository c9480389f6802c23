"""AI Space vocabulary -> Switchyard terms."""

import pytest

from contracts.status import JobStatus
from services.vendors.aispace.catalog import parse_cpu, parse_gpu_spec, parse_memory_gb
from services.vendors.aispace.status import (
    clean_status,
    map_evaluation_state,
    map_notebook_status,
    map_service_status,
    map_task_status,
)

SVG_UNKNOWN = '<svg t="1" viewBox="0 0 1024 1024" width="16"><path d="M512 64"/></svg>&nbsp;&nbsp;未知'


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", JobStatus.QUEUED),  # created, about to be run
        ("Pending", JobStatus.QUEUED),
        ("Running", JobStatus.RUNNING),
        ("Succeeded", JobStatus.SUCCEEDED),
        ("Success", JobStatus.SUCCEEDED),
        ("Failed", JobStatus.FAILED),
        ("Error", JobStatus.FAILED),
        ("Terminated", JobStatus.STOPPED),
        (" running ", JobStatus.RUNNING),
        ("<span>Failed</span>", JobStatus.FAILED),
    ],
)
def test_task_statuses(raw: str, expected: JobStatus) -> None:
    assert map_task_status(raw) is expected


@pytest.mark.parametrize("raw", ["未知", SVG_UNKNOWN, "Skipped", "unknown", "Whatever"])
def test_unknown_task_statuses_map_to_none(raw: str) -> None:
    assert map_task_status(raw) is None


def test_final_status_html_is_stripped() -> None:
    assert clean_status(SVG_UNKNOWN) == "未知"
    assert clean_status("&nbsp;Running&nbsp;") == "Running"
    assert clean_status(None) == ""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Pending", JobStatus.QUEUED),
        ("Running", JobStatus.RUNNING),
        ("Stopped", JobStatus.STOPPED),
        ("Succeeded", JobStatus.SUCCEEDED),
        ("Failed", JobStatus.FAILED),
        ("unknown", None),
        ("", None),
    ],
)
def test_notebook_statuses(raw: str, expected: JobStatus | None) -> None:
    assert map_notebook_status(raw) is expected


@pytest.mark.parametrize(
    ("model_status", "deployed", "expected"),
    [
        ("offline", False, JobStatus.QUEUED),  # created, not deployed yet
        ("offline", True, JobStatus.STOPPED),  # taken offline
        ("online", True, JobStatus.RUNNING),
        ("test", False, JobStatus.RUNNING),  # 调试中
        ("delete", True, JobStatus.STOPPED),
        ("unknown", True, None),
    ],
)
def test_service_statuses(model_status: str, deployed: bool, expected: JobStatus | None) -> None:
    assert map_service_status(model_status, deployed) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("", JobStatus.QUEUED), ("Running", JobStatus.RUNNING), ("Stopped", JobStatus.STOPPED),
     ("Succeeded", JobStatus.SUCCEEDED), ("Failed", JobStatus.FAILED), ("未知", None)],
)  # fmt: skip
def test_evaluation_states(raw: str, expected: JobStatus | None) -> None:
    assert map_evaluation_state(raw) is expected


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("2(H800)", ("nvidia-h800", 2)),
        ("1(H800)", ("nvidia-h800", 1)),
        ("4 ( h800 )", ("nvidia-h800", 4)),
        ("2(T4)", ("nvidia-t4", 2)),
        ("8(A100)", ("nvidia-a100", 8)),
        ("8(910B)", ("ascend-910b", 8)),
        ("1(BI-V100)", ("gpu-bi-v100", 1)),  # not an NVIDIA V100
        ("1", ("gpu-unknown", 1)),  # the evaluation example's specGpu
        ("0", ("cpu", 0)),
        (0, ("cpu", 0)),
        ("", ("cpu", 0)),
    ],
)
def test_gpu_specs(spec: object, expected: tuple[str, int]) -> None:
    assert parse_gpu_spec(spec) == expected


def test_a_malformed_gpu_spec_is_an_error() -> None:
    with pytest.raises(ValueError):
        parse_gpu_spec("two(H800)")


@pytest.mark.parametrize(
    ("value", "gb"), [("100", 100), ("100G", 100), ("4G", 4), ("1024", 1024), (200, 200), ("256GB", 256),
                      ("512Mi", 0), ("2048M", 2), ("1T", 1024)],
)  # fmt: skip
def test_memory_sizes(value: object, gb: int) -> None:
    assert parse_memory_gb(value) == gb


def test_cpu_counts() -> None:
    assert (parse_cpu("16"), parse_cpu(2), parse_cpu("0.5")) == (16, 2, 0)
    with pytest.raises(ValueError):
        parse_cpu("many")
