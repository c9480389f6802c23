"""Funds enforcement on the scheduler's side: billing answers whether a tenant can pay a job's first
minutes (admission), and announces when a running job's funds ran out (JobFundsExhausted, with the time
its grace period ends) or came back (JobFundsRestored)."""

import httpx

from contracts.money import format_amount
from services.common.logs import log
from services.vendors.base import VendorFlavor


class BillingUnavailable(Exception):
    pass


class Admission:
    def __init__(self, billing_url: str, minutes: int, client: httpx.AsyncClient | None = None):
        self._url, self._minutes = billing_url.rstrip("/"), minutes
        self._client = client or httpx.AsyncClient(timeout=5.0)

    async def admits(self, tenant_id, flavor: VendorFlavor, instances: int) -> bool:
        """True when the tenant's packages or balance (within its overdraft) pay the first minutes."""
        if self._minutes == 0:
            return True
        params = {
            "vendor": flavor.vendor, "flavor": flavor.flavor_id, "accelerator": flavor.accelerator,
            "count": flavor.count * instances, "minutes": self._minutes,
            "vendor_price_per_hour": format_amount(flavor.price_per_hour * instances),
        }
        try:
            response = await self._client.get(f"{self._url}/internal/tenants/{tenant_id}/admission", params=params)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            log.warning("scheduler.admission_unavailable", error=repr(exc))
            raise BillingUnavailable(str(exc)) from exc
        return bool(response.json()["admitted"])
