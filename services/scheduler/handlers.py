"""The scheduler's consumers. Job commands only enqueue, cancel, set limits or suspend a tenant (fast, so a
burst of requests never waits on vendor calls); the dispatcher does the placing. Job events tell it when a job
has ended, which frees its tenant's quota and perhaps capacity for a queued job, and when a vendor lost
a job, which goes back into the queue to be placed again elsewhere (or fails after `resubmit_limit`). Billing's funds
events arm and disarm the stop of a job whose tenant can no longer pay."""

import asyncio
from datetime import UTC, datetime

from contracts.billing import JobFundsExhausted, JobFundsRestored
from contracts.catalog import CatalogRefreshRequested
from contracts.events import (
    Envelope, JobCancelRequested, JobLostOnVendor, JobRequested, JobStateChanged, TenantLimitsSet, TenantStatusSet,
)
from services.common.consumer import apply_batch_once, apply_once
from services.common.logs import log
from services.common.runtime import Runtime, RuntimeRef
from services.common.unit_of_work import unit_of_work
from services.scheduler import store, transitions
from services.scheduler.catalog import Catalog
from services.vendors import errors
from services.vendors.base import VendorAdapter

COMMANDS_CONSUMER = "scheduler"
EVENTS_CONSUMER = "scheduler.job_events"
FUNDS_CONSUMER = "scheduler.funds"
ENFORCE_EVERY_S = 2.0


async def stop_on_vendor(adapters: dict[str, VendorAdapter], placement) -> None:
    """Stopping twice is harmless, so callers do this before recording that they did."""
    try:
        await adapters[placement["vendor"]].stop(placement["vendor_job_id"], placement["kind"])
    except errors.NotFound:
        log.warning("scheduler.stop_vendor_job_gone", job_id=str(placement["job_id"]))
    log.info("scheduler.stop_requested", job_id=str(placement["job_id"]), vendor_job_id=placement["vendor_job_id"])


class CommandHandler:
    """Job commands come in batches: enqueues and limits (database work only) are applied together in one
    transaction; a cancel (which may call a vendor first) or a catalog refresh is handled alone, in order."""

    def __init__(self, runtime: RuntimeRef, adapters: dict[str, VendorAdapter], catalog: Catalog):
        self._runtime, self._adapters, self._catalog = runtime, adapters, catalog

    async def handle_batch(self, envelopes: list[Envelope]) -> None:
        pool, pending = self._runtime().pool, []
        for envelope in envelopes:
            if isinstance(envelope.data, CatalogRefreshRequested | JobCancelRequested):
                await apply_batch_once(pool, store.SCHEMA, COMMANDS_CONSUMER, pending, _apply_commands)
                pending = []
                await self._handle_alone(envelope)
            else:
                pending.append(envelope)
        await apply_batch_once(pool, store.SCHEMA, COMMANDS_CONSUMER, pending, _apply_commands)

    async def _handle_alone(self, envelope: Envelope) -> None:
        pool = self._runtime().pool
        match envelope.data:
            case CatalogRefreshRequested() as event:  # a refresh twice is harmless: no inbox needed
                await self._catalog.refresh(pool, event.vendor)
            case JobCancelRequested() as event:
                placement = await store.placement(pool, event.job_id)
                submitted = placement is not None and placement["state"] == "submitted"
                if submitted:
                    await stop_on_vendor(self._adapters, placement)
                await apply_once(pool, store.SCHEMA, COMMANDS_CONSUMER, envelope,
                                 lambda conn: self._cancel(conn, event, placement if submitted else None))

    @staticmethod
    async def _cancel(conn, event: JobCancelRequested, submitted) -> None:
        if submitted is not None:
            await store.record_stop(conn, event.job_id, event.tenant_id, "cancelled")
        elif not await store.cancel_queued(conn, event.job_id):
            await store.record_cancel(conn, event.job_id)  # already over: nothing to stop


async def _apply_commands(conn, envelopes: list[Envelope]) -> None:
    """New jobs go into the queue in one statement; limits and suspensions are set one by one (they are rare)."""
    await store.enqueue_jobs(conn, [(e.data, e.traceparent) for e in envelopes if isinstance(e.data, JobRequested)])
    for envelope in envelopes:
        if isinstance(envelope.data, TenantLimitsSet):
            await store.set_limits(conn, envelope.data)
        elif isinstance(envelope.data, TenantStatusSet):
            await store.set_status(conn, envelope.data)


# The job events the scheduler acts on; the many others on the topic are skipped unread.
JOB_EVENT_TYPES = frozenset({JobStateChanged.TYPE, JobLostOnVendor.TYPE})


def make_job_event_handler(runtime: RuntimeRef):
    async def handle_batch(envelopes: list[Envelope]) -> None:
        rt = runtime()

        async def apply(conn, fresh: list[Envelope]) -> None:
            for envelope in fresh:
                match envelope.data:
                    case JobStateChanged(to_status=status) as event if status.is_terminal:
                        await store.mark_finished(conn, event.job_id)
                    case JobLostOnVendor() as event:
                        await _after_loss(conn, event, rt.settings.resubmit_limit)

        await apply_batch_once(rt.pool, store.SCHEMA, EVENTS_CONSUMER, envelopes, apply)
    return handle_batch


async def _after_loss(conn, lost: JobLostOnVendor, limit: int) -> None:
    placement = await store.lost_placement(conn, lost)
    if placement is None:
        return  # over already, or this vendor job was replaced
    change = transitions.after_loss(lost, resubmits=placement["resubmits"], limit=limit, now=datetime.now(UTC),
                                    cancel_requested=placement["cancel_requested_at"] is not None)
    await store.record_loss(conn, lost, change)


def make_funds_handler(runtime: RuntimeRef):
    async def handle(envelope: Envelope) -> None:
        match envelope.data:
            case JobFundsExhausted() as event:
                stop_after = event.stop_after
            case JobFundsRestored():
                stop_after = None
            case _:
                return
        await apply_once(runtime().pool, store.SCHEMA, FUNDS_CONSUMER, envelope,
                         lambda conn: store.set_stop_after(conn, envelope.data.job_id, stop_after))
    return handle


def make_enforcer(adapters: dict[str, VendorAdapter]):
    async def enforce(runtime: Runtime) -> None:
        """Stop the jobs whose grace period after their funds ran out has passed."""
        while True:
            for placement in await store.due_for_stop(runtime.pool):
                await stop_on_vendor(adapters, placement)
                async with unit_of_work(runtime.pool) as conn:
                    await store.record_stop(conn, placement["job_id"], placement["tenant_id"], "funds_exhausted")
            await asyncio.sleep(ENFORCE_EVERY_S)
    return enforce
