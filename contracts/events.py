"""The CloudEvents envelope events travel in, and the registry of every event type.

On Kafka an event is a JSON body (the payload) with its CloudEvents 1.0 attributes as headers
(binary content mode: `ce_id`, `ce_type`, `ce_source`, `ce_time`, `ce_subject`, `ce_specversion`),
the tenant as the `ce_tenantid` extension, and W3C trace context in `traceparent`.

The payloads live in their own modules (`job_events`, `billing`, `billing_events`, `catalog`, on the bases in
`messages`); this module imports them to build the registry, and re-exports the job events and bases so that
`from contracts.events import JobSubmitted` reads as before.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

from contracts import billing, billing_events, catalog, job_events
from contracts.job_events import (
    JobCancelRequested, JobEndpoint, JobEndpointsChanged, JobExclusionsChanged, JobLostOnVendor, JobPlacementAttempted,
    JobRejected, JobRequested, JobStateChanged, JobStopRequested, JobSubmitted, TenantLimitsSet, TenantStatusSet,
    UsageCharged, VendorHealthChanged,
)
from contracts.messages import Event, Message, TenantEvent, VendorEvent

EVENT_TYPES: dict[str, type[Message]] = {
    cls.TYPE: cls
    for module in (job_events, billing, billing_events, catalog)
    for cls in vars(module).values()
    if isinstance(cls, type) and issubclass(cls, Message) and "TYPE" in vars(cls)
}

__all__ = [
    "EVENT_TYPES", "Envelope", "Event", "JobCancelRequested", "JobEndpoint", "JobEndpointsChanged",
    "JobExclusionsChanged", "JobLostOnVendor", "JobPlacementAttempted", "JobRejected", "JobRequested",
    "JobStateChanged", "JobStopRequested", "JobSubmitted",
    "Message", "TenantEvent", "TenantLimitsSet", "TenantStatusSet", "UnknownEventType", "UsageCharged", "VendorEvent",
    "VendorHealthChanged", "subject_of",
]


def subject_of(data: Message) -> str:
    """The CloudEvents subject (and the Kafka key) of a payload: its job, else its tenant, else its vendor."""
    for aggregate in ("job_id", "tenant_id", "vendor"):
        value = getattr(data, aggregate, None)
        if value is not None:
            return str(value)
    raise ValueError(f"{data.TYPE} names no job, tenant or vendor")


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
        return subject_of(self.data)

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
