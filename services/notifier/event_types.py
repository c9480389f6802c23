"""The event types subscribers can hear of, their payload schemas, and which Switchyard event becomes
which notification. Pure: no I/O.

Every webhook body (and every topic message) is `{"type", "timestamp", "data"}`; `data` has one model
per type, published with its JSON schema at GET /v1/event-types.

A job rejected before reaching any vendor (`JobRejected`: no flavor fits, funds, an invalid request) is
`job.placement_failed`; `job.failed` is a job that failed on its vendor. Subscribe to both to hear of
every job that ends FAILED.
"""

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, get_args

from pydantic import BaseModel, Field, create_model

from contracts.billing_events import FundsExhausted, FundsLow, PackageExpired, PackageLow
from contracts.events import Envelope, JobRejected, JobStateChanged
from contracts.money import CURRENCY, format_amount
from contracts.status import JobStatus

WebhookEventType = Literal[
    "job.queued", "job.running", "job.succeeded", "job.failed", "job.stopped", "job.placement_failed",
    "billing.funds_low", "billing.funds_exhausted", "billing.package_low", "billing.package_expired",
    "webhook.attempt_exhausted", "endpoint.disabled",
]
WEBHOOK_EVENT_TYPES: tuple[str, ...] = get_args(WebhookEventType)
TEST_TYPE = "webhook.test"  # sent by POST /v1/webhooks/{id}/test only; not subscribable

# Exhaustion and disabling are not announced about deliveries of these (no endless echo between endpoints).
OPERATIONAL_TYPES = frozenset({"webhook.attempt_exhausted", "endpoint.disabled", TEST_TYPE})

_BY_STATUS: dict[JobStatus, str] = {
    JobStatus.QUEUED: "job.queued",
    JobStatus.RUNNING: "job.running",
    JobStatus.SUCCEEDED: "job.succeeded",
    JobStatus.FAILED: "job.failed",
    JobStatus.STOPPED: "job.stopped",
}


# --- payload models (the `data` of each type)

class JobData(BaseModel):
    job_id: uuid.UUID
    kind: str | None = Field(description="training, ... (null when not known yet)")
    status: JobStatus
    previous_status: JobStatus
    vendor: str | None = Field(description="null while the job waits in Switchyard's own queue")
    vendor_job_id: str | None
    raw_status: str = Field(description="the vendor's own status (switchyard:queued in our own queue)")
    reason: str | None
    sequence: int = Field(description="per job, gap-free: order and de-duplicate with it")


class PlacementFailedData(BaseModel):
    job_id: uuid.UUID
    kind: str | None
    status: Literal["FAILED"] = "FAILED"
    reason: str = Field(description="machine-readable: no_flavor, no_capacity, funds, invalid_request, ...")
    message: str


class FundsLowData(BaseModel):
    balance: str = Field(examples=["18.40"])
    available: str = Field(description="balance plus the value of covering packages")
    threshold_percent: int = Field(description="the crossed threshold, % of the last top-up")
    last_top_up: str
    currency: str = CURRENCY
    job_id: uuid.UUID | None


class FundsExhaustedData(BaseModel):
    balance: str
    currency: str = CURRENCY
    job_id: uuid.UUID | None


class PackageLowData(BaseModel):
    package_id: uuid.UUID
    accelerator: str | None
    unit: Literal["card_hours", "CNY"]
    granted: str = Field(description="decimal, in `unit`")
    remaining: str = Field(description="decimal, in `unit`")
    threshold_percent: int
    expires_at: datetime
    job_id: uuid.UUID | None


class PackageExpiredData(BaseModel):
    package_id: uuid.UUID
    accelerator: str | None
    unit: Literal["card_hours", "CNY"]
    granted: str
    remaining: str = Field(description="forfeited when it expired")
    expired_at: datetime


class AttemptExhaustedData(BaseModel):
    endpoint_id: uuid.UUID = Field(description="the endpoint that could not be reached")
    message_id: uuid.UUID = Field(description="the webhook-id that was given up on")
    event_type: str
    attempts: int
    last_status_code: int | None
    last_error: str | None


class EndpointDisabledData(BaseModel):
    endpoint_id: uuid.UUID
    url: str
    failing_since: datetime
    disabled_at: datetime
    reason: str


class TestData(BaseModel):
    endpoint_id: uuid.UUID
    message: str


@dataclass(frozen=True)
class EventTypeInfo:
    name: str
    description: str
    data: type[BaseModel]

    def schema(self) -> dict:
        """JSON schema of the whole body: {"type", "timestamp", "data"}."""
        model = create_model(
            self.name.replace(".", "_"),
            type=(Literal[self.name], ...),  # type: ignore[valid-type]
            timestamp=(datetime, Field(description="when it happened, UTC")),
            data=(self.data, ...),
        )
        return model.model_json_schema()


CATALOG: dict[str, EventTypeInfo] = {info.name: info for info in (
    EventTypeInfo("job.queued", "The vendor accepted the job; it waits for resources.", JobData),
    EventTypeInfo("job.running", "The job started running on its vendor.", JobData),
    EventTypeInfo("job.succeeded", "The job finished successfully.", JobData),
    EventTypeInfo("job.failed", "The job failed on its vendor.", JobData),
    EventTypeInfo("job.stopped", "The job was stopped (cancelled, or out of funds).", JobData),
    EventTypeInfo("job.placement_failed", "No vendor would take the job; it ended FAILED without running.",
                  PlacementFailedData),
    EventTypeInfo("billing.funds_low", "Balance plus packages fell below a threshold of the last top-up.",
                  FundsLowData),
    EventTypeInfo("billing.funds_exhausted", "Nothing is left to pay for running jobs.", FundsExhaustedData),
    EventTypeInfo("billing.package_low", "A prepaid package fell below a threshold.", PackageLowData),
    EventTypeInfo("billing.package_expired", "A prepaid package expired.", PackageExpiredData),
    EventTypeInfo("webhook.attempt_exhausted",
                  "Another endpoint of yours failed every attempt of a message.", AttemptExhaustedData),
    EventTypeInfo("endpoint.disabled",
                  "Another endpoint of yours failed for days and was disabled.", EndpointDisabledData),
    EventTypeInfo(TEST_TYPE, "Sent by POST /v1/webhooks/{id}/test; cannot be subscribed to.", TestData),
)}


@dataclass(frozen=True)
class Notification:
    """One thing to tell a tenant's subscribers: a webhook body, and the attributes topic filters see."""

    id: uuid.UUID  # delivery ids derive from it, so one source event never queues twice
    tenant_id: uuid.UUID
    type: str
    at: datetime
    data: BaseModel
    subject: str
    attributes: dict[str, str | None] = field(default_factory=dict)

    @property
    def payload(self) -> dict:
        return {"type": self.type, "timestamp": iso_utc(self.at), "data": self.data.model_dump(mode="json")}

    def body(self) -> str:
        """The JSON text sent (and signed) on every attempt."""
        return json.dumps(self.payload, separators=(",", ":"))


def from_envelope(envelope: Envelope, kind: str | None = None) -> Notification | None:
    """The notification `envelope` announces, or None when subscribers are not told about it.
    `kind` is the job's kind when the notifier knows it (from the job's JobSubmitted)."""
    event = envelope.data
    attributes: dict[str, str | None] = {"job_id": str(event.job_id) if event.job_id else None, "kind": kind}
    if isinstance(event, JobStateChanged):
        if event.to_status == event.from_status:
            return None  # only the vendor's raw status moved: subscribers hear of normalized changes
        type_ = _BY_STATUS.get(event.to_status)  # PENDING is nobody's business yet
        if type_ is None:
            return None
        data = JobData(job_id=event.job_id, kind=kind, status=event.to_status, previous_status=event.from_status,
                       vendor=event.vendor, vendor_job_id=event.vendor_job_id, raw_status=event.raw_status,
                       reason=event.reason, sequence=event.sequence)
        attributes |= {"vendor": event.vendor, "status": event.to_status.value}
        where = f"on {event.vendor}" if event.vendor else f"in Switchyard's queue ({event.reason})"
        subject = f"{type_}: job {event.job_id} is {event.to_status.value} {where}"
    elif isinstance(event, JobRejected):
        type_ = "job.placement_failed"
        data = PlacementFailedData(job_id=event.job_id, kind=kind, reason=event.reason, message=event.message)
        attributes |= {"vendor": None, "status": JobStatus.FAILED.value}
        subject = f"{type_}: job {event.job_id} could not be placed ({event.reason})"
    elif isinstance(event, FundsLow):
        type_ = "billing.funds_low"
        data = FundsLowData(balance=format_amount(event.balance), available=format_amount(event.available),
                            threshold_percent=event.threshold_percent, last_top_up=format_amount(event.last_top_up),
                            currency=event.currency, job_id=event.job_id)
        subject = f"{type_}: {data.available} {event.currency} left (below {event.threshold_percent}%)"
    elif isinstance(event, FundsExhausted):
        type_ = "billing.funds_exhausted"
        data = FundsExhaustedData(balance=format_amount(event.balance), currency=event.currency, job_id=event.job_id)
        subject = f"{type_}: balance {data.balance} {event.currency}"
    elif isinstance(event, PackageLow):
        type_ = "billing.package_low"
        data = PackageLowData(package_id=event.package_id, accelerator=event.accelerator, unit=event.unit,
                              granted=format_amount(event.granted), remaining=format_amount(event.remaining),
                              threshold_percent=event.threshold_percent, expires_at=event.expires_at,
                              job_id=event.job_id)
        subject = f"{type_}: package {event.package_id} has {data.remaining} {event.unit} left"
    elif isinstance(event, PackageExpired):
        type_ = "billing.package_expired"
        data = PackageExpiredData(package_id=event.package_id, accelerator=event.accelerator, unit=event.unit,
                                  granted=format_amount(event.granted), remaining=format_amount(event.remaining),
                                  expired_at=event.expired_at)
        subject = f"{type_}: package {event.package_id} expired"
    else:
        return None
    return Notification(id=envelope.id, tenant_id=envelope.tenant_id, type=type_, at=envelope.time, data=data,
                        subject=subject, attributes={"event_type": type_, **attributes})


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# --- the notifier's own events

_OWN_EVENTS = uuid.UUID("5d8e2b1a-7c43-4f0e-9b6d-2a1c3e4f5a60")


def attempt_exhausted(*, tenant_id: uuid.UUID, endpoint_id: uuid.UUID, message_id: uuid.UUID, event_type: str,
                      attempts: int, last_status_code: int | None, last_error: str | None,
                      at: datetime) -> Notification:
    type_ = "webhook.attempt_exhausted"
    return Notification(
        id=uuid.uuid5(_OWN_EVENTS, f"exhausted:{message_id}:{attempts}"), tenant_id=tenant_id, type=type_, at=at,
        data=AttemptExhaustedData(endpoint_id=endpoint_id, message_id=message_id, event_type=event_type,
                                  attempts=attempts, last_status_code=last_status_code, last_error=last_error),
        subject=f"{type_}: endpoint {endpoint_id} gave up on {event_type} {message_id}",
        attributes={"event_type": type_, "endpoint_id": str(endpoint_id)},
    )


def endpoint_disabled(*, tenant_id: uuid.UUID, endpoint_id: uuid.UUID, url: str, failing_since: datetime,
                      disabled_at: datetime, reason: str) -> Notification:
    type_ = "endpoint.disabled"
    return Notification(
        id=uuid.uuid5(_OWN_EVENTS, f"disabled:{endpoint_id}:{disabled_at.isoformat()}"), tenant_id=tenant_id,
        type=type_, at=disabled_at,
        data=EndpointDisabledData(endpoint_id=endpoint_id, url=url, failing_since=failing_since,
                                  disabled_at=disabled_at, reason=reason),
        subject=f"{type_}: endpoint {endpoint_id} ({url})",
        attributes={"event_type": type_, "endpoint_id": str(endpoint_id)},
    )


def test_message(*, tenant_id: uuid.UUID, endpoint_id: uuid.UUID, at: datetime) -> Notification:
    return Notification(
        id=uuid.uuid4(), tenant_id=tenant_id, type=TEST_TYPE, at=at,
        data=TestData(endpoint_id=endpoint_id, message="A test message from Switchyard."),
        subject=f"{TEST_TYPE}: endpoint {endpoint_id}",
    )
