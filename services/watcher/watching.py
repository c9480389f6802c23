"""The watcher's work: poll each vendor for the changes of the jobs it follows.

- Vendors that can list are asked once per tick for every active job (paged by the adapter); only
  tracked jobs missing from the listing are fetched one by one (they ended, or vanished).
- Vendors that cannot list are polled per job on each job's own schedule (`schedule.next_poll_delay`),
  starting jobs first, through the adapter's own rate limits; a running job near its expected end (start plus
  `max_runtime_s`) is looked at as often as a starting one.
- A job missing on its vendor is declared lost (FAILED) only when a second look confirms it.
- A job's endpoints (a notebook's page, a service's address) are announced when they differ from the last
  ones announced (`changes.endpoints_change`), in the transaction that records the tick's state changes.
- A vendor's failed polls are no state change for anybody: after `watch_error_budget` failures in a
  row, one VendorHealthChanged announces the outage, and one more announces the recovery.
- Several watcher replicas may run: each vendor is polled by the replica holding that vendor's
  PostgreSQL advisory lock (taken on a connection of its own, so it goes when the replica goes).
"""

import asyncio
import random
import time
from datetime import UTC, datetime, timedelta

import asyncpg

from contracts.events import JobEndpointsChanged, JobLostOnVendor, JobStateChanged, VendorHealthChanged
from contracts.status import JobStatus
from services.common.db import CONNECTION_ERRORS
from services.common.logs import log
from services.common.runtime import Runtime
from services.common.unit_of_work import unit_of_work
from services.vendors import errors, make_adapter
from services.vendors.base import VendorAdapter, VendorJob
from services.watcher import metrics, store
from services.watcher.changes import LOST_REASON, Tracked, endpoints_change, lost_on_vendor, observe
from services.watcher.config import WatcherSettings
from services.watcher.schedule import ErrorBudget, next_poll_delay, per_job_batch, tick_pause, until_expected_end

LOST = object()  # an observation: the vendor says it has no such job


class Poller:
    """Polls one vendor account."""

    def __init__(self, adapter: VendorAdapter, settings: WatcherSettings, rng: random.Random | None = None):
        self._adapter, self._settings = adapter, settings
        self._rng = rng or random.Random()
        self._gets = asyncio.Semaphore(settings.watch_get_concurrency)
        self._budget = ErrorBudget(settings.watch_error_budget)

    @property
    def vendor(self) -> str:
        return self._adapter.vendor

    async def poll_once(self, runtime: Runtime) -> int:
        """One tick; returns the number of state changes published."""
        pool = runtime.pool
        if self._adapter.can_list:
            tracked = await store.active_jobs(pool, self.vendor)
            if not tracked:
                return 0
            try:
                listed = {job.vendor_job_id: job for job in await self._adapter.list_active()}
            except errors.VendorError as exc:
                await self._failed(pool, exc)
                return 0
        else:
            batch = per_job_batch(self._settings.watch_batch, self._adapter.calls_per_s, self._settings.watch_interval_s)
            tracked = await store.due_jobs(pool, self.vendor, batch)
            if not tracked:
                return 0
            listed = {}
        observations = await self._observations(tracked, listed)
        failures = [o for o in observations if isinstance(o, errors.VendorError)]
        if failures and len(failures) == len(observations):
            await self._failed(pool, failures[0])
        else:
            await self._succeeded(pool)

        now = datetime.now(UTC)
        changes, next_polls, seen_again, found, endpoints = 0, [], [], [], []
        for job, seen in zip(tracked, observations, strict=True):
            change = None
            if seen is LOST and job.missing_since is None:
                await store.mark_missing(pool, job.job_id, now)  # look again before declaring it lost
            elif seen is LOST:  # confirmed by the second look: handed to the scheduler, which may place it elsewhere
                change = lost_on_vendor(job, now, cause="lost", reason=LOST_REASON, raw_status="NotFound")
            elif isinstance(seen, VendorJob):
                if job.missing_since is not None:
                    seen_again.append(job.job_id)
                change = observe(job, seen, now)
                if not isinstance(change, JobLostOnVendor):
                    status = change.to_status if change is not None else job.status
                    if (moved := endpoints_change(job, seen, status, now)) is not None:
                        endpoints.append((job, moved))
            found.append(change)
        # The tick's state and endpoint changes are recorded in one transaction; a lost job (rare) on its own.
        applied = {c.job_id for c in await self._record_changes(
            pool, [c for c in found if isinstance(c, JobStateChanged)], endpoints)}
        for job, change in zip(tracked, found, strict=True):
            status, started_at = job.status, job.started_at
            if isinstance(change, JobStateChanged) and change.job_id in applied:
                changes += 1
                status, started_at = change.to_status, change.started_at
            elif isinstance(change, JobLostOnVendor) and await self._record_lost(pool, change):
                changes += 1
                status = JobStatus.FAILED  # no longer followed here: its next poll does not matter
            if not self._adapter.can_list:
                delay = next_poll_delay(status, starting_s=self._settings.watch_starting_s,
                                        running_s=self._settings.watch_running_s, rng=self._rng,
                                        until_expected_end_s=until_expected_end(started_at, job.max_runtime_s, now))
                next_polls.append((job.job_id, now + timedelta(seconds=delay)))
        await store.schedule(pool, next_polls)
        await store.clear_missing(pool, seen_again)
        return changes

    async def _record_changes(self, pool: asyncpg.Pool, found: list[JobStateChanged],
                              endpoints: list[tuple[Tracked, JobEndpointsChanged]]) -> list[JobStateChanged]:
        if not found and not endpoints:
            return []  # no change this tick, so no transaction either
        async with unit_of_work(pool) as conn:
            applied = await store.record_changes(conn, found) if found else []
            # A job whose state change did not apply (moved meanwhile) keeps its endpoints until the next look.
            moved, stale = {c.job_id for c in applied}, {c.job_id for c in found} - {c.job_id for c in applied}
            announced = await store.record_endpoints(
                conn, [(job, change) for job, change in endpoints if job.job_id in moved or job.job_id not in stale])
        for change in announced:
            log.info("watcher.endpoints_changed", job_id=str(change.job_id), vendor=self.vendor,
                     endpoints=[endpoint.type for endpoint in change.endpoints])
        for change in applied:
            metrics.seen(self.vendor, change.vendor_time, change.observed_at)
            log.info("watcher.state_changed", job_id=str(change.job_id), tenant_id=str(change.tenant_id),
                     vendor=self.vendor, from_status=change.from_status, to_status=change.to_status,
                     raw_status=change.raw_status)
        return applied

    async def _record_lost(self, pool: asyncpg.Pool, lost: JobLostOnVendor) -> bool:
        async with unit_of_work(pool) as conn:
            recorded = await store.record_lost(conn, lost)
        if recorded:
            log.info("watcher.job_lost", job_id=str(lost.job_id), tenant_id=str(lost.tenant_id),
                     vendor=self.vendor, cause=lost.cause, reason=lost.reason)
        return recorded

    async def _observations(self, tracked: list[Tracked], listed: dict[str, VendorJob]) -> list:
        """What the vendor says of each tracked job: its listed entry, else what a get of it answers. Only
        the gets become tasks; a listing vendor's tick over tens of thousands of listed jobs makes none."""
        observations = [listed.get(job.vendor_job_id) for job in tracked]
        missing = [i for i, seen in enumerate(observations) if seen is None]
        if missing:
            fetched = await asyncio.gather(*(self._get(tracked[i]) for i in missing))
            for i, seen in zip(missing, fetched, strict=True):
                observations[i] = seen
        return observations

    async def _get(self, job: Tracked):
        async with self._gets:
            try:
                return await self._adapter.get(job.vendor_job_id, job.kind)
            except errors.NotFound:
                return LOST
            except errors.VendorError as exc:
                log.warning("watcher.get_failed", job_id=str(job.job_id), vendor=self.vendor, error=str(exc))
                return exc

    async def _failed(self, pool: asyncpg.Pool, exc: errors.VendorError) -> None:
        log.warning("watcher.poll_failed", vendor=self.vendor, error=str(exc))
        if self._budget.failure():
            await self._announce(pool, VendorHealthChanged(
                vendor=self.vendor, health="degraded", reason=f"polls failing: {exc}", changed_at=datetime.now(UTC)))

    async def _succeeded(self, pool: asyncpg.Pool) -> None:
        if self._budget.success():
            await self._announce(pool, VendorHealthChanged(
                vendor=self.vendor, health="healthy", reason="polls succeed again", changed_at=datetime.now(UTC)))

    async def _announce(self, pool: asyncpg.Pool, event: VendorHealthChanged) -> None:
        async with unit_of_work(pool) as conn:
            await store.announce_health(conn, event)


async def watch_vendor(runtime: Runtime, vendor: str) -> None:
    """Poll `vendor` every tick while this replica holds the vendor's advisory lock."""
    adapter = make_adapter(vendor)
    adapter.share_rate_budget(runtime.pool)  # with the scheduler, which calls the same accounts
    poller = Poller(adapter, runtime.settings)
    lock_key = f"switchyard.watcher:{vendor}"
    conn: asyncpg.Connection | None = None
    try:
        while True:
            started = time.monotonic()
            try:
                if conn is None or conn.is_closed():
                    conn = await asyncpg.connect(runtime.settings.database_url)
                    owner = False
                if not owner:
                    owner = await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", lock_key)
                    if owner:
                        log.info("watcher.vendor_owned", vendor=vendor)
                if owner:
                    await poller.poll_once(runtime)
                    metrics.cycle(vendor, time.monotonic() - started)
            except (*CONNECTION_ERRORS, asyncpg.PostgresError) as exc:
                log.warning("watcher.tick_failed", vendor=vendor, error=repr(exc))
                if conn is not None and not conn.is_closed():
                    await conn.close()
                conn = None
            await asyncio.sleep(tick_pause(time.monotonic() - started, runtime.settings.watch_interval_s))
    finally:
        if conn is not None and not conn.is_closed():
            await conn.close()


async def poll_forever(runtime: Runtime) -> None:
    """Every enabled vendor is watched side by side: a slow vendor delays no other."""
    await asyncio.gather(*(watch_vendor(runtime, vendor) for vendor in runtime.settings.vendors))
