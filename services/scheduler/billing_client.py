"""A client for billing's internal API, for the services that ask it before acting: the scheduler
(can this tenant pay? what does this flavor sell for?) and the gateway (flavors and quotes)."""

import uuid
from dataclasses import dataclass

import httpx

from contracts.money import format_amount, parse_amount
from contracts.catalog import VendorFlavor


class BillingUnavailable(Exception):
    pass


@dataclass(frozen=True)
class Terms:
    sell_price_per_hour: int  # micro-units
    admitted: bool
    covered_by: str | None  # the tenant's package that would pay the first minutes


class BillingClient:
    def __init__(self, billing_url: str, client: httpx.AsyncClient | None = None):
        self._url = billing_url.rstrip("/")
        self._client = client or httpx.AsyncClient(timeout=5.0)

    async def _call(self, method: str, path: str, **kwargs) -> httpx.Response:
        try:
            response = await self._client.request(method, f"{self._url}{path}", **kwargs)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise BillingUnavailable(repr(exc)) from exc
        return response

    async def sell_prices(self, flavors: list[VendorFlavor], instances: int = 1) -> dict[tuple[str, str], int]:
        """Sell price per hour, in micro-units, of each flavor (× instances) from the price book."""
        if not flavors:
            return {}
        items = [{"vendor": f.vendor, "flavor": f.flavor_id, "accelerator": f.accelerator,
                  "vendor_price_per_hour": format_amount(f.price_per_hour * instances)} for f in flavors]
        quotes = (await self._call("POST", "/internal/price-book/quote", json=items)).json()
        return {(q["vendor"], q["flavor"]): parse_amount(q["sell_price_per_hour"]) for q in quotes}

    async def placement_terms(self, tenant_ids: list[uuid.UUID], flavors: list[VendorFlavor], instances: int,
                              minutes: int) -> dict[uuid.UUID, dict[tuple[str, str], Terms]]:
        """For each tenant and flavor (x instances): its sell price, whether the tenant can pay the first
        `minutes` (0: admission off, every flavor admitted) and the tenant's package that would pay them."""
        if not flavors or not tenant_ids:
            return {tenant_id: {} for tenant_id in tenant_ids}
        candidates = [{"vendor": f.vendor, "flavor": f.flavor_id, "accelerator": f.accelerator,
                       "count": f.count * instances, "vendor_price_per_hour": format_amount(f.price_per_hour * instances)}
                      for f in flavors]
        body = {"tenants": [str(t) for t in tenant_ids], "minutes": minutes, "candidates": candidates}
        answer = (await self._call("POST", "/internal/placement-terms", json=body)).json()
        return {uuid.UUID(tenant): {(a["vendor"], a["flavor"]): Terms(parse_amount(a["sell_price_per_hour"]), a["admitted"],
                                                                     a["covered_by"]) for a in items}
                for tenant, items in answer.items()}
