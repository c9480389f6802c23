"""The vendors' flavor lists, per vendor and kind, cached for a short while so each placement or
quote does not re-fetch them. What changes in them is recorded and announced by the scheduler's catalog
sync (services/scheduler/catalog_sync.py), which also invalidates this cache for a vendor that changed."""

import time

from contracts.jobs import JobKind
from services.common.logs import log
from services.vendors import errors
from services.vendors.base import VendorAdapter, VendorFlavor


class FlavorCatalog:
    def __init__(self, adapters: dict[str, VendorAdapter], ttl_s: float = 60.0):
        self._adapters, self._ttl_s = adapters, ttl_s
        self._cache: dict[tuple[str, str], tuple[float, list[VendorFlavor]]] = {}

    async def flavors(self, kind: JobKind) -> list[VendorFlavor]:
        """Every enabled vendor's flavors for `kind`; a vendor that cannot answer now is left out."""
        found: list[VendorFlavor] = []
        for vendor, adapter in self._adapters.items():
            if kind not in adapter.kinds:
                continue
            try:
                found.extend(await self._vendor_flavors(vendor, adapter, kind))
            except errors.VendorError as exc:
                log.warning("scheduler.catalog_unavailable", vendor=vendor, kind=kind, error=str(exc))
        return found

    def invalidate(self, vendor: str, kind: JobKind | None = None) -> None:
        """Forget what was read of `vendor` (one kind, or all): the next call asks the vendor again. For a flavor
        found sold out on submission, or a vendor whose catalog the sync saw change."""
        for key in [key for key in self._cache if key[0] == vendor and (kind is None or key[1] == kind)]:
            del self._cache[key]

    async def _vendor_flavors(self, vendor: str, adapter: VendorAdapter, kind: JobKind) -> list[VendorFlavor]:
        fetched_at, flavors = self._cache.get((vendor, kind), (float("-inf"), []))
        if time.monotonic() - fetched_at > self._ttl_s:
            flavors = await adapter.list_flavors(kind)
            self._cache[(vendor, kind)] = (time.monotonic(), flavors)
        return flavors
