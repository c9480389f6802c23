"""Keeps the job read model current from jobs.events and billing.events: each event type the read model
shows, and the store function that applies it (inside the consumer's transaction, once per event)."""

from contracts.events import (
    Envelope, JobEndpointsChanged, JobExclusionsChanged, JobLostOnVendor, JobPlacementAttempted, JobRejected,
    JobStateChanged, JobStopRequested, JobSubmitted, UsageCharged,
)
from services.common.consumer import apply_once
from services.common.runtime import RuntimeRef
from services.gateway.store import SCHEMA, read_model

CONSUMER = "gateway.read_model"

APPLY = {
    JobSubmitted: read_model.apply_submitted,
    JobRejected: read_model.apply_rejected,
    JobStateChanged: read_model.apply_state_changed,
    JobStopRequested: read_model.apply_stop_requested,
    JobPlacementAttempted: read_model.apply_attempt,
    JobLostOnVendor: read_model.apply_lost,
    JobEndpointsChanged: read_model.apply_endpoints,
    JobExclusionsChanged: read_model.apply_exclusions,
    UsageCharged: read_model.apply_usage,
}


def make_handler(runtime: RuntimeRef):
    async def handle(envelope: Envelope) -> None:
        apply = APPLY.get(type(envelope.data))
        if apply is not None:
            await apply_once(runtime().pool, SCHEMA, CONSUMER, envelope, lambda conn: apply(conn, envelope.data))

    return handle
