"""When a vendor observation is a state change worth announcing (a plain function)."""

from dataclasses import dataclass
from datetime import datetime

from contracts.events import JobStateChanged
from contracts.status import JobStatus
from services.vendors.base import VendorJob


@dataclass(frozen=True)
class Tracked:
    job_id: object
    tenant_id: object
    vendor: str
    vendor_job_id: str
    status: JobStatus
    raw_status: str
    sequence: int
    kind: str = "training"


def state_change(tracked: Tracked, seen: VendorJob, observed_at: datetime) -> JobStateChanged | None:
    """A JobStateChanged when the normalized or the raw status moved, else None.

    A raw status the mapping does not know (`seen.status` None) keeps the normalized status but is
    still announced, since the raw status changed. A terminal job never changes again.
    """
    if tracked.status.is_terminal:
        return None
    new_status = seen.status or tracked.status
    if new_status == tracked.status and seen.raw_status == tracked.raw_status:
        return None
    vendor_time = seen.finished_at if new_status.is_terminal else (
        seen.started_at if new_status == JobStatus.RUNNING else None)
    return JobStateChanged(
        job_id=tracked.job_id, tenant_id=tracked.tenant_id, vendor=tracked.vendor,
        vendor_job_id=tracked.vendor_job_id, from_status=tracked.status, to_status=new_status,
        raw_status=seen.raw_status, reason=seen.reason, vendor_time=vendor_time, observed_at=observed_at,
        sequence=tracked.sequence + 1, started_at=seen.started_at, finished_at=seen.finished_at,
    )
