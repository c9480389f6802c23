"""ModelArts vocabulary -> Switchyard terms."""

import pytest

from contracts.status import JobStatus
from services.vendors.modelarts.catalog import normalize_accelerator
from services.vendors.modelarts.status import (
    ACTIVE_TRAINING_PHASES,
    map_notebook_status,
    map_service_status,
    map_training_phase,
    notebook_reason,
    service_reason,
)


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
        ("ASCEND", "ascend-snt9", "ascend-910b"),  # notebook flavors
        ("GPU", "Pnt004", "nvidia-p4"),  # inference specifications
        ("GPU", "Tnt004", "nvidia-t4"),
        ("NPU", "Snt3", "ascend-310"),
        ("CPU", "", "cpu"),
    ],
)
def test_accelerator_normalization(flavor_type: str, product: str | None, expected: str) -> None:
    assert normalize_accelerator(flavor_type, product) == expected


def test_unknown_products_keep_a_recognisable_name() -> None:
    assert normalize_accelerator("GPU", "GP-Pnt1") == "gpu-gp-pnt1"
    assert normalize_accelerator("Ascend", "Ascend-snt5") == "npu-ascend-snt5"
    assert normalize_accelerator("GPU", None) == "gpu-unknown"


# --------------------------------------------------------------------------- notebooks


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("INIT", JobStatus.QUEUED),
        ("CREATING", JobStatus.QUEUED),
        ("STARTING", JobStatus.QUEUED),
        ("RUNNING", JobStatus.RUNNING),
        ("SNAPSHOTTING", JobStatus.RUNNING),
        ("STOPPING", JobStatus.RUNNING),
        ("STOPPED", JobStatus.STOPPED),
        ("DELETING", JobStatus.STOPPED),
        ("DELETED", JobStatus.STOPPED),
        ("FROZEN", JobStatus.STOPPED),
        ("CREATE_FAILED", JobStatus.FAILED),
        ("START_FAILED", JobStatus.FAILED),
        ("ERROR", JobStatus.FAILED),
        ("DELETE_FAILED", JobStatus.FAILED),
        ("running", JobStatus.RUNNING),
    ],
)
def test_notebook_status_mapping(status: str, expected: JobStatus) -> None:
    assert map_notebook_status(status) is expected


@pytest.mark.parametrize("status", ["PAUSED", "", None])
def test_unknown_notebook_status_maps_to_none(status: str | None) -> None:
    assert map_notebook_status(status) is None


def test_a_notebook_stopped_by_its_lease_says_so() -> None:
    # The lease ended (create_at + duration) no later than the instance stopped.
    reason = notebook_reason("STOPPED", None, lease_end_ms=1_700_000_060_000, update_at_ms=1_700_000_060_500)
    assert reason == "the notebook's lease ran out at 2023-11-14T22:14:20+00:00 (auto-stop)"
    assert notebook_reason("STOPPING", None, 1_700_000_060_000, 1_700_000_060_000) is not None


def test_a_notebook_we_stopped_has_no_reason() -> None:
    # A stop request resets the lease to end in the future.
    assert notebook_reason("STOPPED", None, lease_end_ms=1_700_003_600_000, update_at_ms=1_700_000_060_000) is None
    assert notebook_reason("STOPPED", None, None, 1_700_000_060_000) is None
    assert notebook_reason("RUNNING", None, 1_700_000_000_000, 1_700_000_060_000) is None


def test_failed_and_frozen_notebooks_explain_themselves() -> None:
    assert notebook_reason("ERROR", "disk broken", None, None) == "ERROR: disk broken"
    assert notebook_reason("FROZEN", None, None, None) == "FROZEN: the ModelArts account is in arrears"


# --------------------------------------------------------------------------- inference services


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("pending", JobStatus.QUEUED),
        ("waiting", JobStatus.QUEUED),
        ("deploying", JobStatus.QUEUED),
        ("running", JobStatus.RUNNING),
        ("concerning", JobStatus.RUNNING),
        ("stopping", JobStatus.RUNNING),
        ("stopped", JobStatus.STOPPED),
        ("deleting", JobStatus.STOPPED),
        ("failed", JobStatus.FAILED),
        ("finished", JobStatus.SUCCEEDED),
        ("RUNNING", JobStatus.RUNNING),
    ],
)
def test_service_status_mapping(status: str, expected: JobStatus) -> None:
    assert map_service_status(status) is expected


@pytest.mark.parametrize("status", ["abnormal", "", None])
def test_unknown_service_status_maps_to_none(status: str | None) -> None:
    assert map_service_status(status) is None


def test_service_reasons() -> None:
    assert service_reason("failed", "image pull failed", None, None) == "failed: image pull failed"
    stopped_by_schedule = service_reason("stopped", None, due_time_ms=1_700_000_000_000,
                                         transition_at_ms=1_700_000_001_000)
    assert stopped_by_schedule == "the service's auto-stop schedule stopped it at 2023-11-14T22:13:20+00:00"
    assert service_reason("stopped", None, due_time_ms=1_700_009_000_000, transition_at_ms=1_700_000_001_000) is None
    assert service_reason("waiting", None, None, None) == "waiting for resources"
    assert service_reason("concerning", None, None, None) == "concerning: some instances are abnormal"
    assert service_reason("running", None, None, None) is None
