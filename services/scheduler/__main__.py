"""`python -m services.scheduler`: queues requested jobs and places them on the vendors."""

import asyncio

from services.common.runtime import serve
from services.scheduler.app import SERVICE, broker, catalog_sync, dispatcher, enforce_funds, runtime


def main() -> None:
    loops = {"dispatch": dispatcher.run, "enforce_funds": enforce_funds, "catalog_sync": catalog_sync.run_catalog_sync}
    asyncio.run(serve(SERVICE, broker, loops=loops, ref=runtime))


if __name__ == "__main__":
    main()
