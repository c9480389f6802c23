"""ModelArts vocabulary -> Switchyard terms."""

from __future__ import annotations

import pytest

from contracts.status import JobStatus
from services.vendors.modelarts_status import ACTIVE_TRAINING_PHASES, map_training_phase, normalize_accelerator


@pytest.mark.parametrize(
    ("phase", "expected"),
    [
        ("Creating", JobStatus.QUEUED),
        ("Pending", JobStatus.QUEUED),
        ("Running", JobStatus.RUNNING),
        ("Terminating", JobStatus.RUNNING),
        ("Completed", JobStatus.SUCCEEDED),
        ("Failed", JobStatus.FAILED),
        ("Abnormal", JobStatus.FAILED),
        ("Terminated", JobStatus.STOPPED),
    ],
)
def test_training_phase_mapping(phase: str, expected: JobStatus) -> None:
    assert map_training_phase(phase) is expected


@pytest.mark.parametrize("phase", ["running", "RUNNING", " Running "])
def test_training_phase_mapping_ignores_case_and_spaces(phase: str) -> None:
    assert map_training_phase(phase) is JobStatus.RUNNING


@pytest.mark.parametrize("phase", ["Queuing", "Unknown", "", None])
def test_unknown_training_phase_maps_to_none(phase: str | None) -> None:
    assert map_training_phase(phase) is None


def test_active_phases_are_exactly_the_non_terminal_ones() -> None:
    for phase in ACTIVE_TRAINING_PHASES:
        status = map_training_phase(phase)
        assert status is not None and not status.is_terminal
    for phase in ("Completed", "Failed", "Abnormal", "Terminated"):
        status = map_training_phase(phase)
        assert status is not None and status.is_terminal


@pytest.mark.parametrize(
    ("flavor_type", "product", "expected"),
    [
        ("CPU", None, "cpu"),
        ("CPU", "", "cpu"),
        ("GPU", "GP-Vnt1", "nvidia-v100"),
        ("GPU", "NVIDIA-V100-SXM2-32GB", "nvidia-v100"),
        ("GPU", "A100-80GB", "nvidia-a100"),
        ("Ascend", "Ascend-snt9b", "ascend-910b"),
        ("Ascend", "ascend-snt9", "ascend-910b"),
        ("Ascend", "Ascend 910B", "ascend-910b"),
        ("ascend", "Ascend-snt9b", "ascend-910b"),
    ],
)
def test_accelerator_normalization(flavor_type: str, product: str | None, expected: str) -> None:
    assert normalize_accelerator(flavor_type, product) == expected


def test_unknown_products_keep_a_recognisable_name() -> None:
    assert normalize_accelerator("GPU", "GP-Pnt1") == "gpu-gp-pnt1"
    assert normalize_accelerator("Ascend", "Ascend-snt3") == "npu-ascend-snt3"
    assert normalize_accelerator("GPU", None) == "gpu-unknown"
