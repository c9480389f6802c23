"""`python -m services.gateway`: the public API on SWITCHYARD_GATEWAY_PORT (default 8000)."""

import asyncio

import httpx

from services.common.runtime import Runtime, serve
from services.gateway.app import SERVICE, broker, http_app, runtime, settings


async def _setup(rt: Runtime) -> None:
    http_app.state.internal_client = httpx.AsyncClient(timeout=10.0)


def main() -> None:
    asyncio.run(serve(SERVICE, broker, setup=_setup, http_app=http_app, http_port=settings.gateway_port,
                      settings=settings, ref=runtime))


if __name__ == "__main__":
    main()
