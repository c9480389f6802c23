"""`python -m services.watcher`: follows submitted jobs on their vendor."""

import asyncio

from services.common.runtime import serve
from services.watcher.app import SERVICE, broker, runtime, settings
from services.watcher.watching import poll_forever


def main() -> None:
    asyncio.run(serve(SERVICE, broker, loops={"poll": poll_forever}, ref=runtime, settings=settings))


if __name__ == "__main__":
    main()
