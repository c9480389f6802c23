"""The scheduler's flavor catalog: the one reader of vendor flavors in Switchyard.

The dispatcher places from it, quotes (`routes/catalog.py`) answer from it, and every read of a vendor goes
through the catalog sync (`catalog_sync.py`), so what is read is also recorded and each change announced once
as `FlavorChanged`. A vendor's view is read again when it is older than `ttl_s`, when a submission found a
flavor sold out (`invalidate`), on the periodic refresh and on an operator's refresh. A vendor that cannot
answer keeps the view it had; once that view is stale the vendor is left out until it answers again.
"""

import asyncio
import time
from collections.abc import Callable

import asyncpg

from contracts.catalog import FlavorChanged, VendorFlavor
from contracts.jobs import JobKind
from services.common.logs import log
from services.scheduler import catalog_sync
from services.vendors.base import VendorAdapter


class Catalog:
    def __init__(self, adapters: dict[str, VendorAdapter], ttl_s: float = 60.0,
                 clock: Callable[[], float] = time.monotonic):
        self._adapters, self._ttl_s, self._clock = adapters, ttl_s, clock
        self._flavors: dict[str, list[VendorFlavor]] = {}  # by vendor, every kind it runs
        self._read_at: dict[str, float] = {}  # by vendor; absent: never read, or invalidated
        self._reading = {vendor: asyncio.Lock() for vendor in adapters}  # one read of a vendor at a time

    @property
    def vendors(self) -> list[str]:
        return list(self._adapters)

    def vendors_running(self, kind: JobKind) -> list[str]:
        """The enabled vendors that run `kind`."""
        return [vendor for vendor, adapter in self._adapters.items() if kind in adapter.kinds]

    async def flavors(self, pool: asyncpg.Pool, kind: JobKind) -> list[VendorFlavor]:
        """Every enabled vendor's flavors for `kind`, reading again the vendors whose view is stale."""
        running = self.vendors_running(kind)
        stale = [vendor for vendor in running if self._stale(vendor)]
        if stale:
            await asyncio.gather(*(self._read(pool, vendor, only_if_stale=True) for vendor in stale))
        return [f for vendor in running if not self._stale(vendor) for f in self._flavors[vendor] if f.kind == kind]

    def invalidate(self, vendor: str) -> None:
        """The next `flavors` reads `vendor` again (a flavor found sold out on submission)."""
        self._read_at.pop(vendor, None)

    async def refresh(self, pool: asyncpg.Pool, vendor: str | None = None) -> list[FlavorChanged]:
        """Read every vendor (or only `vendor`) now; returns the changes announced."""
        vendors = self.vendors if vendor is None else [v for v in self.vendors if v == vendor]
        changes = await asyncio.gather(*(self._read(pool, v, only_if_stale=False) for v in vendors))
        events = [event for found in changes for event in found]
        if events:
            log.info("scheduler.catalog_changed", changes=len(events), vendors=sorted({e.vendor for e in events}))
        return events

    async def run_refresh(self, pool: asyncpg.Pool, every_s: float) -> None:
        """The periodic refresh: changes are announced even while nothing is being placed."""
        while True:
            try:
                await self.refresh(pool)
            except (OSError, asyncpg.PostgresError, asyncio.TimeoutError) as exc:
                log.warning("scheduler.catalog_sync_error", error=repr(exc))  # tried again next round
            await asyncio.sleep(every_s)

    def _stale(self, vendor: str) -> bool:
        read_at = self._read_at.get(vendor)
        return read_at is None or self._clock() - read_at > self._ttl_s

    async def _read(self, pool: asyncpg.Pool, vendor: str, *, only_if_stale: bool) -> list[FlavorChanged]:
        async with self._reading[vendor]:
            if only_if_stale and not self._stale(vendor):
                return []  # another caller read it while this one waited
            started = self._clock()
            refreshed = await catalog_sync.refresh(pool, {vendor: self._adapters[vendor]})
            if refreshed.reads:  # the vendor answered for every kind it runs
                self._flavors[vendor] = [f for flavors in refreshed.reads.values() for f in flavors]
                self._read_at[vendor] = started
            return refreshed.events
