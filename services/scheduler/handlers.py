"""The scheduler's consumers. Job commands only enqueue, cancel or set limits (fast, so a burst of
requests never waits on vendor calls); the dispatcher does the placing. Job events tell it when a job
has ended, which frees its tenant's quota and perhaps capacity for a queued job."""

from contracts.events import Envelope, JobCancelRequested, JobRequested, JobStateChanged, TenantLimitsSet
from services.common.consumer import apply_once
from services.common.logs import log
from services.common.runtime import RuntimeRef
from services.scheduler import store
from services.vendors import errors
from services.vendors.base import VendorAdapter

COMMANDS_CONSUMER = "scheduler"
EVENTS_CONSUMER = "scheduler.job_events"


class CommandHandler:
    def __init__(self, runtime: RuntimeRef, adapters: dict[str, VendorAdapter]):
        self._runtime, self._adapters = runtime, adapters

    async def handle(self, envelope: Envelope) -> None:
        pool = self._runtime().pool
        match envelope.data:
            case JobRequested() as event:
                await apply_once(pool, store.SCHEMA, COMMANDS_CONSUMER, envelope,
                                 lambda conn: store.enqueue_job(conn, event))
            case TenantLimitsSet() as event:
                await apply_once(pool, store.SCHEMA, COMMANDS_CONSUMER, envelope,
                                 lambda conn: store.set_limits(conn, event))
            case JobCancelRequested() as event:
                await self._stop_on_vendor(event)
                await apply_once(pool, store.SCHEMA, COMMANDS_CONSUMER, envelope, lambda conn: self._cancel(conn, event))

    async def _cancel(self, conn, event: JobCancelRequested) -> None:
        if not await store.cancel_queued(conn, event.job_id):
            await store.record_cancel(conn, event.job_id)

    async def _stop_on_vendor(self, event: JobCancelRequested) -> None:
        """Stopping twice is harmless, so this runs before the inbox row is written."""
        placement = await store.placement(self._runtime().pool, event.job_id)
        if placement is None or placement["state"] != "submitted":
            return  # queued jobs are cancelled in our own queue; ended ones need nothing
        try:
            await self._adapters[placement["vendor"]].stop(placement["vendor_job_id"], placement["kind"])
        except errors.NotFound:
            log.warning("scheduler.cancel_vendor_job_gone", job_id=str(event.job_id))
        log.info("scheduler.stop_requested", job_id=str(event.job_id), vendor_job_id=placement["vendor_job_id"])


def make_job_event_handler(runtime: RuntimeRef):
    async def handle(envelope: Envelope) -> None:
        event = envelope.data
        if isinstance(event, JobStateChanged) and event.to_status.is_terminal:
            await apply_once(runtime().pool, store.SCHEMA, EVENTS_CONSUMER, envelope,
                             lambda conn: store.mark_finished(conn, event.job_id))
    return handle
