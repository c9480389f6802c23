"""`python -m services.scheduler`: queues requested jobs and places them on the vendors."""

import asyncio

from services.common.runtime import serve
from services.scheduler.app import SERVICE, broker, dispatcher, enforce_funds, runtime


def main() -> None:
    asyncio.run(serve(SERVICE, broker, loops={"dispatch": dispatcher.run, "enforce_funds": enforce_funds}, ref=runtime))


if __name__ == "__main__":
    main()
