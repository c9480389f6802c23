"""The vendor's flavor list, cached for a short while so each placement does not re-fetch it."""

import time

from services.vendors.base import VendorAdapter, VendorFlavor


class FlavorCatalog:
    def __init__(self, adapter: VendorAdapter, ttl_s: float = 60.0):
        self._adapter, self._ttl_s = adapter, ttl_s
        self._flavors: list[VendorFlavor] = []
        self._fetched_at = float("-inf")

    async def flavors(self) -> list[VendorFlavor]:
        if time.monotonic() - self._fetched_at > self._ttl_s:
            self._flavors = await self._adapter.list_flavors()
            self._fetched_at = time.monotonic()
        return self._flavors

    def invalidate(self) -> None:
        self._fetched_at = float("-inf")
