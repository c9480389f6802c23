"""Which webhook a Switchyard event becomes, and what its payload says. Pure: no I/O."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, get_args

from contracts.events import Envelope, JobRejected, JobStateChanged
from contracts.status import JobStatus

WebhookEventType = Literal["job.queued", "job.running", "job.succeeded", "job.failed", "job.stopped"]
WEBHOOK_EVENT_TYPES: tuple[str, ...] = get_args(WebhookEventType)

_BY_STATUS: dict[JobStatus, str] = {
    JobStatus.QUEUED: "job.queued",
    JobStatus.RUNNING: "job.running",
    JobStatus.SUCCEEDED: "job.succeeded",
    JobStatus.FAILED: "job.failed",
    JobStatus.STOPPED: "job.stopped",
}


@dataclass(frozen=True)
class WebhookEvent:
    type: str
    payload: dict

    def body(self) -> str:
        """The JSON text sent (and signed) on every attempt."""
        return json.dumps(self.payload, separators=(",", ":"))


def webhook_event(envelope: Envelope) -> WebhookEvent | None:
    """The webhook `envelope` announces, or None when subscribers are not told about it."""
    event = envelope.data
    if isinstance(event, JobStateChanged):
        if event.to_status == event.from_status:
            return None  # only the vendor's raw status moved: subscribers hear of normalized changes
        type_ = _BY_STATUS.get(event.to_status)  # PENDING is nobody's business yet
        if type_ is None:
            return None
        data = {
            "status": event.to_status.value, "previous_status": event.from_status.value,
            "vendor": event.vendor, "vendor_job_id": event.vendor_job_id, "raw_status": event.raw_status,
            "reason": event.reason, "sequence": event.sequence,
        }
    elif isinstance(event, JobRejected):
        # Rejected before reaching a vendor: the job went from PENDING straight to FAILED.
        type_ = "job.failed"
        data = {
            "status": JobStatus.FAILED.value, "previous_status": JobStatus.PENDING.value,
            "vendor": None, "vendor_job_id": None, "raw_status": None,
            "reason": event.reason, "sequence": None,
        }
    else:
        return None
    return WebhookEvent(type_, {
        "type": type_,
        "timestamp": _iso_utc(envelope.time),
        "data": {"job_id": str(event.job_id), **data},
    })


def _iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
