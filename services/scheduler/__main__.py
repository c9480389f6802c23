"""`python -m services.scheduler`: places requested jobs on the vendor."""

import asyncio

from services.common.runtime import serve
from services.scheduler.app import SERVICE, broker, runtime


def main() -> None:
    asyncio.run(serve(SERVICE, broker, ref=runtime))


if __name__ == "__main__":
    main()
