"""One process calling a Qizhi account through an adapter whose rate budget is shared through PostgreSQL:
`python -m tests.integration.rate_budget_caller DATABASE_URL CALLS` (the adapter's SWITCHYARD_QIZHI_* settings
come from the environment). Prints `ready`, waits for a line on stdin, makes its calls, prints `done`."""

import asyncio
import sys

from services.common.db import create_pool
from services.vendors import errors, make_adapter


async def main(database_url: str, calls: int) -> None:
    pool = await create_pool(database_url, max_size=2)
    adapter = make_adapter("qizhi")
    adapter.share_rate_budget(pool)
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)  # both callers start together

    async def call(n: int) -> None:
        try:
            await adapter.get(f"no-such-job-{n}")
        except errors.VendorError:
            pass  # an answer is an answer: what is counted is the call

    await asyncio.gather(*(call(n) for n in range(calls)))
    await adapter.aclose()
    await pool.close()
    print("done", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
