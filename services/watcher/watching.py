"""The watcher's work: start tracking submitted jobs, and poll the vendor for their changes."""

import asyncio
from datetime import UTC, datetime

from contracts.events import Envelope, JobStateChanged, JobSubmitted
from contracts.status import JobStatus
from services.common.consumer import apply_once
from services.common.logs import log
from services.common.runtime import Runtime, RuntimeRef
from services.vendors import errors, make_adapter
from services.vendors.base import VendorAdapter, VendorJob
from services.watcher import store
from services.watcher.changes import Tracked, state_change

CONSUMER = "watcher"
GET_CONCURRENCY = 8  # per-job GETs in flight at once, for jobs that dropped out of the listing


def first_state(event: JobSubmitted) -> JobStateChanged:
    """A submitted job is on the vendor and waiting: the first change we announce is to QUEUED, from
    PENDING, or from QUEUED when it waited in Switchyard's own queue first. Sequence numbers go on from
    the last one the scheduler used."""
    return JobStateChanged(
        job_id=event.job_id, tenant_id=event.tenant_id, vendor=event.vendor, vendor_job_id=event.vendor_job_id,
        from_status=JobStatus.QUEUED if event.sequence else JobStatus.PENDING, to_status=JobStatus.QUEUED,
        raw_status=event.raw_status, vendor_time=event.submitted_at, observed_at=datetime.now(UTC),
        sequence=event.sequence + 1,
    )


def make_handler(runtime: RuntimeRef):
    async def handle(envelope: Envelope) -> None:
        if isinstance(envelope.data, JobSubmitted):
            event = envelope.data
            await apply_once(runtime().pool, store.SCHEMA, CONSUMER, envelope,
                             lambda conn: store.start_tracking(conn, event, first_state(event)))
    return handle


class Poller:
    """Polls one vendor: one listing of its active jobs, then a GET for each tracked job that is
    missing from the listing (it has ended, or the listing is not available for this vendor)."""

    def __init__(self, adapter: VendorAdapter):
        self._adapter = adapter
        self._gets = asyncio.Semaphore(GET_CONCURRENCY)

    @property
    def vendor(self) -> str:
        return self._adapter.vendor

    async def poll_once(self, runtime: Runtime) -> int:
        tracked = await store.active_jobs(runtime.pool, self._adapter.vendor)
        if not tracked:
            return 0
        listed: dict[str, VendorJob] = {}
        if self._adapter.can_list:
            listed = {job.vendor_job_id: job for job in await self._adapter.list_active()}
        observations = await asyncio.gather(*(self._observe(t, listed) for t in tracked))
        changes = 0
        for job, seen in zip(tracked, observations, strict=True):
            if seen is None:
                continue
            change = state_change(job, seen, datetime.now(UTC))
            if change and await store.record_change(runtime.pool, change):
                changes += 1
                log.info("watcher.state_changed", job_id=str(job.job_id), tenant_id=str(job.tenant_id),
                         from_status=change.from_status, to_status=change.to_status, raw_status=change.raw_status)
        return changes

    async def _observe(self, job: Tracked, listed: dict[str, VendorJob]) -> VendorJob | None:
        if job.vendor_job_id in listed:
            return listed[job.vendor_job_id]
        async with self._gets:
            try:
                return await self._adapter.get(job.vendor_job_id, job.kind)
            except errors.NotFound:
                return VendorJob(vendor_job_id=job.vendor_job_id, name="", raw_status="NotFound",
                                 status=JobStatus.FAILED, reason="the job disappeared from the vendor",
                                 created_at=None, started_at=None, finished_at=None, kind=job.kind)
            except errors.VendorError as exc:
                log.warning("watcher.get_failed", job_id=str(job.job_id), error=str(exc))
                return None


async def poll_forever(runtime: Runtime) -> None:
    """Every enabled vendor is polled each interval, side by side: a slow vendor delays no other."""
    pollers = [Poller(make_adapter(vendor)) for vendor in runtime.settings.vendors]

    async def poll(poller: Poller) -> None:
        try:
            await poller.poll_once(runtime)
        except errors.VendorError as exc:
            log.warning("watcher.poll_failed", vendor=poller.vendor, error=str(exc))

    while True:
        await asyncio.gather(*(poll(p) for p in pollers))
        await asyncio.sleep(runtime.settings.watch_interval_s)
