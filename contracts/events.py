"""Events the services exchange: payload models plus the CloudEvents envelope they travel in.

On Kafka an event is a JSON body (the payload) with its CloudEvents 1.0 attributes as headers
(binary content mode: `ce_id`, `ce_type`, `ce_source`, `ce_time`, `ce_subject`, `ce_specversion`),
the tenant as the `ce_tenantid` extension, and W3C trace context in `traceparent`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.jobs import JobKind, JobSpec
from contracts.status import JobStatus


class Message(BaseModel):
    """Every event payload. Its Kafka key (the CloudEvents subject) is its aggregate: the job, else the
    tenant, else the vendor it concerns."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    TYPE: ClassVar[str]


class Event(Message):
    """An event about one job of one tenant."""

    job_id: uuid.UUID
    tenant_id: uuid.UUID


class TenantEvent(Message):
    """An event about a tenant as a whole."""

    tenant_id: uuid.UUID


class VendorEvent(Message):
    """An event about a vendor account, not about any one tenant."""

    vendor: str


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


class TenantLimitsSet(TenantEvent):
    """An operator's per-tenant limits on concurrent work (None = unlimited)."""

    TYPE: ClassVar[str] = "switchyard.tenant.limits_set.v1"
    max_concurrent_jobs: int | None = Field(None, ge=0)
    max_concurrent_accelerators: int | None = Field(None, ge=0)
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


EVENT_TYPES: dict[str, type[Message]] = {
    cls.TYPE: cls
    for cls in (JobRequested, JobCancelRequested, JobSubmitted, JobRejected, JobStateChanged, UsageCharged,
                JobPlacementAttempted, JobStopRequested, JobLostOnVendor, TenantLimitsSet, VendorHealthChanged)
}


class UnknownEventType(ValueError):
    pass


class Envelope(BaseModel):
    """CloudEvents attributes around one payload."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    source: str
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    data: Message
    traceparent: str | None = None

    @property
    def type(self) -> str:
        return self.data.TYPE

    @property
    def subject(self) -> str:
        for aggregate in ("job_id", "tenant_id", "vendor"):
            value = getattr(self.data, aggregate, None)
            if value is not None:
                return str(value)
        raise ValueError(f"{self.type} names no job, tenant or vendor")

    @property
    def tenant_id(self) -> uuid.UUID | None:
        return getattr(self.data, "tenant_id", None)

    def kafka_headers(self) -> dict[str, str]:
        headers = {
            "ce_specversion": "1.0",
            "ce_id": str(self.id),
            "ce_type": self.type,
            "ce_source": self.source,
            "ce_time": self.time.isoformat(),
            "ce_subject": self.subject,
            "content-type": "application/json",
        }
        if self.tenant_id is not None:
            headers["ce_tenantid"] = str(self.tenant_id)
        if self.traceparent:
            headers["traceparent"] = self.traceparent
        return headers

    def kafka_body(self) -> bytes:
        return self.data.model_dump_json().encode()

    @classmethod
    def from_kafka(cls, headers: dict[str, str], body: bytes) -> Envelope:
        event_type = headers.get("ce_type")
        model = EVENT_TYPES.get(event_type or "")
        if model is None:
            raise UnknownEventType(f"unknown event type {event_type!r}")
        return cls(
            id=uuid.UUID(headers["ce_id"]),
            source=headers["ce_source"],
            time=datetime.fromisoformat(headers["ce_time"]),
            data=model.model_validate_json(body),
            traceparent=headers.get("traceparent"),
        )


import contracts.billing  # noqa: E402,F401 - billing's events (UsageMinute, JobFunds*) register in EVENT_TYPES
import contracts.billing_events  # noqa: E402,F401 - threshold events (FundsLow, PackageLow, ...) register in EVENT_TYPES
import contracts.catalog  # noqa: E402,F401 - FlavorChanged (the catalog sync's changes) registers in EVENT_TYPES
