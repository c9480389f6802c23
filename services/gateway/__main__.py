"""`python -m services.gateway`: the public API on SWITCHYARD_GATEWAY_PORT (default 8000)."""

import asyncio

import httpx

from services.common.billing_client import BillingClient
from services.common.runtime import Runtime, serve
from services.common.settings import get_settings
from services.gateway.app import SERVICE, broker, http_app, runtime
from services.vendors import make_adapter
from services.vendors.catalog import FlavorCatalog


async def _setup(rt: Runtime) -> None:
    http_app.state.internal_client = httpx.AsyncClient(timeout=10.0)
    http_app.state.billing = BillingClient(rt.settings.billing_url)
    http_app.state.catalog = FlavorCatalog({vendor: make_adapter(vendor) for vendor in rt.settings.vendors})


def main() -> None:
    settings = get_settings()
    asyncio.run(serve(SERVICE, broker, setup=_setup, http_app=http_app, http_port=settings.gateway_port,
                      settings=settings, ref=runtime))


if __name__ == "__main__":
    main()
