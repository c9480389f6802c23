"""The events of a job's life (requested, placed, watched, stopped, lost), of tenant limits and of vendor health."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.catalog import Exclusion
from contracts.jobs import JobKind, JobSpec
from contracts.messages import Event, TenantEvent, VendorEvent
from contracts.status import JobStatus


class JobRequested(Event):
    TYPE: ClassVar[str] = "switchyard.job.requested.v1"
    spec: JobSpec
    requested_at: datetime


class JobCancelRequested(Event):
    TYPE: ClassVar[str] = "switchyard.job.cancel_requested.v1"
    requested_at: datetime


class JobSubmitted(Event):
    TYPE: ClassVar[str] = "switchyard.job.submitted.v1"
    kind: JobKind = "training"
    sequence: int = Field(0, ge=0, description="the last state-change sequence the scheduler used for the job")
    vendor: str
    vendor_job_id: str
    flavor: str
    accelerator: str
    count: int
    vendor_price_per_hour: int = Field(description="vendor list price, micro-units of CNY")
    raw_status: str
    submitted_at: datetime
    max_runtime_s: int | None = Field(None, description="the job's bound on its run time (its spec's), if any: "
                                                        "the watcher looks at it more often near its expected end")


class JobRejected(Event):
    TYPE: ClassVar[str] = "switchyard.job.rejected.v1"
    reason: str = Field(description="machine-readable: no_flavor, invalid_request, vendor_unavailable, ...")
    message: str
    rejected_at: datetime


class JobStateChanged(Event):
    TYPE: ClassVar[str] = "switchyard.job.state_changed.v1"
    vendor: str | None = Field(description="None while the job waits in Switchyard's own queue")
    vendor_job_id: str | None
    from_status: JobStatus
    to_status: JobStatus
    raw_status: str
    reason: str | None = None
    vendor_time: datetime | None = Field(description="when the vendor says it happened")
    observed_at: datetime
    sequence: int = Field(ge=1, description="per job, gap-free, starting at 1")
    started_at: datetime | None = None
    finished_at: datetime | None = None


class JobPlacementAttempted(Event):
    """One try of one candidate flavor; every try is recorded on the job."""

    TYPE: ClassVar[str] = "switchyard.job.placement_attempted.v1"
    attempt: int = Field(ge=1)
    vendor: str
    flavor: str
    outcome: str = Field(description="submitted, capacity, quota, unavailable, rate_limited, invalid, auth")
    message: str | None = None
    attempted_at: datetime


class JobExclusionsChanged(Event):
    """What the scheduler's latest try of a queued job left out, and why, when it differs from what it last
    announced (an unchanged list is not announced at every try). The gateway shows it on the queued job."""

    TYPE: ClassVar[str] = "switchyard.job.exclusions_changed.v1"
    excluded: list[Exclusion]
    tried_at: datetime


class JobStopRequested(Event):
    """The scheduler asked the vendor to stop a job: the tenant cancelled it, or its funds ran out."""

    TYPE: ClassVar[str] = "switchyard.job.stop_requested.v1"
    reason: str = Field(description="cancelled or funds_exhausted")
    requested_at: datetime


class JobLostOnVendor(Event):
    """The watcher's word that a job's vendor lost it: the vendor no longer knows the job (confirmed by a
    second look), or it failed for a reason on the vendor's side rather than its own. It is not a state
    change: the scheduler decides whether the job is placed again elsewhere (announced as a change to
    QUEUED without a vendor) or fails (a change to FAILED). Sequence numbers go on from `sequence`."""

    TYPE: ClassVar[str] = "switchyard.job.lost_on_vendor.v1"
    vendor: str
    vendor_job_id: str
    cause: Literal["lost", "infrastructure"]
    reason: str
    status: JobStatus = Field(description="the job's last status on the vendor")
    raw_status: str
    sequence: int = Field(ge=1, description="the last sequence number the watcher used")
    started_at: datetime | None = None
    observed_at: datetime


class JobEndpoint(BaseModel):
    """Where a running job answers: a notebook's page (jupyter), its SSH address (ssh), a service (http)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["jupyter", "ssh", "http"]
    url: str = Field(description="as the vendor reports it")
    expires_at: datetime | None = Field(None, description="when the vendor stops answering there; None: no end given")


class JobEndpointsChanged(Event):
    """The watcher saw a job's endpoints change on its vendor (they appear once it runs, and go when it ends).
    `endpoints` is the whole new list (empty: none); the latest `observed_at` wins."""

    TYPE: ClassVar[str] = "switchyard.job.endpoints_changed.v1"
    vendor: str
    endpoints: list[JobEndpoint]
    observed_at: datetime


class TenantLimitsSet(TenantEvent):
    """An operator's per-tenant limits on concurrent work (None = unlimited)."""

    TYPE: ClassVar[str] = "switchyard.tenant.limits_set.v1"
    max_concurrent_jobs: int | None = Field(None, ge=0)
    max_concurrent_accelerators: int | None = Field(None, ge=0)
    set_at: datetime


class TenantStatusSet(TenantEvent):
    """An operator suspended or resumed a tenant. The scheduler places no queued job of a suspended tenant
    (they wait, and are placed after the resume); jobs already on a vendor keep running."""

    TYPE: ClassVar[str] = "switchyard.tenant.status_set.v1"
    status: Literal["active", "suspended"]
    set_at: datetime


class VendorHealthChanged(VendorEvent):
    TYPE: ClassVar[str] = "switchyard.vendor.health_changed.v1"
    health: str = Field(description="healthy, degraded (unavailable or throttling) or auth_failed")
    reason: str | None = None
    until: datetime | None = Field(None, description="when a degraded vendor is tried again")
    changed_at: datetime


class UsageCharged(Event):
    TYPE: ClassVar[str] = "switchyard.usage.charged.v1"
    charge_id: uuid.UUID
    minute: int = Field(ge=0)
    amount: int = Field(description="micro-units; negative for a true-up refund")
    currency: str = "CNY"
    balance_after: int
    charged_at: datetime
