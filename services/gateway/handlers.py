"""Keeps the job read model current from jobs.events and billing.events."""

from contracts.events import (
    Envelope, JobLostOnVendor, JobPlacementAttempted, JobRejected, JobStateChanged, JobStopRequested, JobSubmitted, UsageCharged,
)
from services.common.consumer import apply_once
from services.common.runtime import RuntimeRef
from services.gateway.store import SCHEMA, read_model

CONSUMER = "gateway.read_model"


def make_handler(runtime: RuntimeRef):
    async def handle(envelope: Envelope) -> None:
        event = envelope.data
        match event:
            case JobSubmitted():
                effect = lambda conn: read_model.apply_submitted(conn, event)  # noqa: E731
            case JobRejected():
                effect = lambda conn: read_model.apply_rejected(conn, event)  # noqa: E731
            case JobStateChanged():
                effect = lambda conn: read_model.apply_state_changed(conn, event)  # noqa: E731
            case JobStopRequested():
                effect = lambda conn: read_model.apply_stop_requested(conn, event)  # noqa: E731
            case JobPlacementAttempted():
                effect = lambda conn: read_model.apply_attempt(conn, event)  # noqa: E731
            case JobLostOnVendor():
                effect = lambda conn: read_model.apply_lost(conn, event)  # noqa: E731
            case UsageCharged():
                effect = lambda conn: read_model.apply_usage(conn, event.job_id, event.amount)  # noqa: E731
            case _:
                return
        await apply_once(runtime().pool, SCHEMA, CONSUMER, envelope, effect)

    return handle
