"""What the watcher announces, as plain functions: the first state of a submitted job, when a vendor
observation is a state change worth announcing, when a job's endpoints changed, and when a job is one its
vendor lost."""

from dataclasses import dataclass
from datetime import UTC, datetime

from contracts.events import JobEndpoint, JobEndpointsChanged, JobLostOnVendor, JobStateChanged, JobSubmitted
from contracts.status import JobStatus
from services.vendors.base import Endpoint, VendorJob


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
    started_at: datetime | None = None
    missing_since: datetime | None = None
    endpoints: tuple[Endpoint, ...] = ()  # the last ones announced
    max_runtime_s: int | None = None  # the job's bound on its run, from its submission


def first_state(event: JobSubmitted, observed_at: datetime | None = None) -> JobStateChanged:
    """A submitted job is on the vendor and waiting: the first change we announce is to QUEUED, from
    PENDING, or from QUEUED when it waited in Switchyard's own queue first. Sequence numbers go on from
    the last one the scheduler used. `observed_at` is now unless given."""
    return JobStateChanged(
        job_id=event.job_id, tenant_id=event.tenant_id, vendor=event.vendor, vendor_job_id=event.vendor_job_id,
        from_status=JobStatus.QUEUED if event.sequence else JobStatus.PENDING, to_status=JobStatus.QUEUED,
        raw_status=event.raw_status, vendor_time=event.submitted_at, observed_at=observed_at or datetime.now(UTC),
        sequence=event.sequence + 1,
    )


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
    # A start once announced is kept (billing meters from it; a vendor row may later say less, as AI Space's
    # ended task keeps only its launch). Vendors that report no run times (CAIP, say) get the watcher's own
    # observation instead: the start when RUNNING is first seen, the end when a terminal status is.
    started_at = tracked.started_at or seen.started_at or (observed_at if new_status == JobStatus.RUNNING else None)
    finished_at = seen.finished_at or (observed_at if new_status.is_terminal and started_at else None)
    return JobStateChanged(
        job_id=tracked.job_id, tenant_id=tracked.tenant_id, vendor=tracked.vendor,
        vendor_job_id=tracked.vendor_job_id, from_status=tracked.status, to_status=new_status,
        raw_status=seen.raw_status, reason=seen.reason, vendor_time=vendor_time, observed_at=observed_at,
        sequence=tracked.sequence + 1, started_at=started_at, finished_at=finished_at,
    )


def endpoints_change(tracked: Tracked, seen: VendorJob, status: JobStatus,
                     observed_at: datetime) -> JobEndpointsChanged | None:
    """A JobEndpointsChanged when the endpoints a job should show differ from the last ones announced, else None.

    `status` is the job's status after this observation. A job shows its vendor's endpoints only while it runs:
    a starting notebook's page does not answer yet, and an ended job's address no longer does, so a job that
    ends loses the ones it showed.
    """
    wanted = seen.endpoints if status == JobStatus.RUNNING else ()
    if wanted == tracked.endpoints:
        return None
    return JobEndpointsChanged(
        job_id=tracked.job_id, tenant_id=tracked.tenant_id, vendor=tracked.vendor,
        endpoints=[to_contract(endpoint) for endpoint in wanted], observed_at=observed_at,
    )


def to_contract(endpoint: Endpoint) -> JobEndpoint:
    return JobEndpoint(type=endpoint.type, url=endpoint.url, expires_at=endpoint.expires_at)


def from_contract(endpoint: JobEndpoint) -> Endpoint:
    return Endpoint(endpoint.type, endpoint.url, endpoint.expires_at)


LOST_REASON = "the vendor no longer knows the job (confirmed by a second look)"


def lost_on_vendor(tracked: Tracked, observed_at: datetime, *, cause: str, reason: str,
                   raw_status: str) -> JobLostOnVendor:
    return JobLostOnVendor(
        job_id=tracked.job_id, tenant_id=tracked.tenant_id, vendor=tracked.vendor,
        vendor_job_id=tracked.vendor_job_id, cause=cause, reason=reason, status=tracked.status,
        raw_status=raw_status, sequence=tracked.sequence, started_at=tracked.started_at, observed_at=observed_at,
    )


def stopped_reason(lost: JobLostOnVendor) -> str:
    """Why a job its vendor lost is no longer followed here, as its tracked row says."""
    return f"{lost.cause}: {lost.reason}"


def observe(tracked: Tracked, seen: VendorJob, observed_at: datetime) -> JobStateChanged | JobLostOnVendor | None:
    """What an observation means: a failure on the vendor's side is handed to the scheduler (which may
    place the job again) instead of being announced as FAILED; anything else is a plain state change."""
    if not tracked.status.is_terminal and seen.status == JobStatus.FAILED and seen.infrastructure_failure:
        return lost_on_vendor(tracked, observed_at, cause="infrastructure",
                              reason=seen.reason or f"the vendor reports {seen.raw_status}", raw_status=seen.raw_status)
    return state_change(tracked, seen, observed_at)
