"""Translate ModelArts vocabulary (training phases, notebook and service statuses) into Switchyard's
terms."""

from datetime import UTC, datetime

from contracts.status import JobStatus

# Training job `status.phase` (一级状态). `secondary_phase` is documented as unstable,
# so only the primary phase drives the normalized status.
_TRAINING_PHASES: dict[str, JobStatus] = {
    # Switchyard's PENDING means "not yet on a vendor": a job that exists on
    # ModelArts and waits (even while still being created) is QUEUED.
    "creating": JobStatus.QUEUED,
    "pending": JobStatus.QUEUED,
    "running": JobStatus.RUNNING,
    # Stop requested but still holding (and billing) resources.
    "terminating": JobStatus.RUNNING,
    "completed": JobStatus.SUCCEEDED,
    "failed": JobStatus.FAILED,
    # Seen with secondary CreateFailed / Lost; terminal in practice.
    "abnormal": JobStatus.FAILED,
    "terminated": JobStatus.STOPPED,
}

# What says the vendor's side failed, not the job: the `Abnormal` phase (seen with secondary `CreateFailed`
# or `Lost`), or a `Lost` secondary phase whatever the primary ([INFER] from the training status table).
def training_infrastructure_failure(phase: str, secondary_phase: str | None) -> bool:
    return phase.lower() == "abnormal" or (secondary_phase or "").lower() == "lost"


# Active phases, exactly as ModelArts spells them (used as a search filter).
ACTIVE_TRAINING_PHASES: tuple[str, ...] = ("Creating", "Pending", "Running", "Terminating")

# Notebook `status` (表 5-9), all 14 values.
_NOTEBOOK_STATUSES: dict[str, JobStatus] = {
    "INIT": JobStatus.QUEUED,
    "CREATING": JobStatus.QUEUED,  # also while waiting for compute resources
    "STARTING": JobStatus.QUEUED,
    "RUNNING": JobStatus.RUNNING,
    "SNAPSHOTTING": JobStatus.RUNNING,  # saving an image; still running
    "STOPPING": JobStatus.RUNNING,  # still holding (and billing) resources
    "STOPPED": JobStatus.STOPPED,  # by us, or by the lease running out
    "DELETING": JobStatus.STOPPED,
    "DELETED": JobStatus.STOPPED,
    "FROZEN": JobStatus.STOPPED,  # the vendor account is in arrears (ModelArts.6326)
    "CREATE_FAILED": JobStatus.FAILED,
    "START_FAILED": JobStatus.FAILED,
    "ERROR": JobStatus.FAILED,
    "DELETE_FAILED": JobStatus.FAILED,
}

# Inference service `status` (ch. 9.3/9.6).
_SERVICE_STATUSES: dict[str, JobStatus] = {
    "pending": JobStatus.QUEUED,
    "waiting": JobStatus.QUEUED,  # queued for resources
    "deploying": JobStatus.QUEUED,
    "running": JobStatus.RUNNING,
    "concerning": JobStatus.RUNNING,  # some instances abnormal; still serving and billed
    "stopping": JobStatus.RUNNING,
    "stopped": JobStatus.STOPPED,
    "deleting": JobStatus.STOPPED,
    "failed": JobStatus.FAILED,
    "finished": JobStatus.SUCCEEDED,  # batch services only
}


def map_training_phase(phase: str | None) -> JobStatus | None:
    """Normalized status for a training job phase; None for an unknown phase."""
    if not phase:
        return None
    return _TRAINING_PHASES.get(phase.strip().lower())


def map_notebook_status(status: str | None) -> JobStatus | None:
    """Normalized status for a notebook status; None for an unknown one."""
    if not status:
        return None
    return _NOTEBOOK_STATUSES.get(status.strip().upper())


def map_service_status(status: str | None) -> JobStatus | None:
    """Normalized status for an inference service status; None for an unknown one."""
    if not status:
        return None
    return _SERVICE_STATUSES.get(status.strip().lower())


def notebook_reason(
    status: str, fail_reason: str | None, lease_end_ms: int | None, update_at_ms: int | None
) -> str | None:
    """Why a notebook is where it is, for people.

    A notebook the lease stopped is told apart from one we stopped by the lease itself: a stop
    request resets the lease to end in the future (the doc's stop example), while the lease
    stop happens at `create_at + duration`, no later than the moment the instance stopped.
    """
    status = status.strip().upper()
    if fail_reason:
        return f"{status}: {fail_reason}"
    if status == "FROZEN":
        return "FROZEN: the ModelArts account is in arrears"
    if status in ("STOPPING", "STOPPED") and lease_end_ms and update_at_ms and lease_end_ms <= update_at_ms:
        return f"the notebook's lease ran out at {_iso(lease_end_ms)} (auto-stop)"
    return None


def service_reason(
    status: str, error_msg: str | None, due_time_ms: int | None, transition_at_ms: int | None
) -> str | None:
    """Why a service is where it is, for people: its error, its auto-stop, resource queueing."""
    status = status.strip().lower()
    if status == "failed" and error_msg:
        return f"failed: {error_msg}"
    if status in ("stopping", "stopped") and due_time_ms and transition_at_ms and due_time_ms <= transition_at_ms:
        return f"the service's auto-stop schedule stopped it at {_iso(due_time_ms)}"
    if status == "waiting":
        return "waiting for resources"
    if status == "concerning":
        return "concerning: some instances are abnormal"
    return None


def _iso(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).isoformat(timespec="seconds")
