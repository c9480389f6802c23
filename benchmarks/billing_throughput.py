"""Backlog drain: 500,000 UsageMinute events waiting on Kafka, billing started, time until every
minute is in the ledger (and until every UsageCharged has left the outbox); then the ledger is
checked to the micro-unit.

    PYTHONPATH=. .venv/bin/python -m benchmarks.billing_throughput [--jobs 5000] [--minutes 100]
"""

import argparse
import asyncio
import time
from datetime import UTC, datetime, timedelta

from benchmarks.billing_common import Bench
from benchmarks.measure import machine


async def run(jobs: int, minutes: int, tenants: int, batch: int, consumers: int, processes: int) -> None:
    total = jobs * minutes
    bench = await Bench.create("throughput", usage_partitions=consumers * processes)
    try:
        now = datetime.now(UTC)
        await bench.seed(tenants=tenants, jobs=jobs, started_at=lambda i: now - timedelta(minutes=minutes + 10),
                         next_minute=minutes, next_minute_at=lambda i: now + timedelta(days=1))
        produced_s = await bench.produce_backlog(minutes)
        print(f"machine: {machine()}")
        print(f"backlog: {total} UsageMinute events ({jobs} jobs x {minutes} minutes, {tenants} tenants, "
              f"{len(bench.covered_tenants)} with a covering package) produced in {produced_s:.1f} s")

        print(f"billing: {processes} process(es) x {consumers} rating consumers, batches of {batch}")
        started = time.perf_counter()
        for _ in range(processes):
            bench.start_billing(SWITCHYARD_RATING_BATCH=str(batch), SWITCHYARD_RATING_CONSUMERS=str(consumers))
        count, samples = await bench.wait_for_charges(total, timeout_s=900)
        first = next(t for t, c in samples if c > 0)
        done = samples[-1][0]
        print(f"drained {count} minutes into the ledger in {done - started:.1f} s from process start "
              f"({count / (done - started):,.0f} events/s); {count / (done - first):,.0f} events/s from the first charge")
        steady = [(t, c) for t, c in samples if total * 0.1 <= c <= total * 0.9]
        if len(steady) >= 2:
            (t0, c0), (t1, c1) = steady[0], steady[-1]
            print(f"steady state (10 %..90 %): {(c1 - c0) / (t1 - t0):,.0f} events/s")
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            left = await bench.pool.fetchval("SELECT count(*) FROM billing.outbox WHERE published_at IS NULL")
            if left == 0:
                break
            await asyncio.sleep(1)
        print(f"every UsageCharged published to Kafka {time.perf_counter() - started:.1f} s after the start "
              f"({left} left unpublished)")
        bench.stop_billing()
        problems = await bench.check_ledger(minutes)
        print("ledger: exact to the micro-unit" if not problems else "ledger MISMATCH:\n  " + "\n  ".join(problems))
    finally:
        await bench.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--minutes", type=int, default=100)
    parser.add_argument("--tenants", type=int, default=500)
    parser.add_argument("--batch", type=int, default=2000, help="SWITCHYARD_RATING_BATCH")
    parser.add_argument("--consumers", type=int, default=3, help="SWITCHYARD_RATING_CONSUMERS")
    parser.add_argument("--processes", type=int, default=1, help="billing processes (one consumer group)")
    args = parser.parse_args()
    asyncio.run(run(args.jobs, args.minutes, args.tenants, args.batch, args.consumers, args.processes))


if __name__ == "__main__":
    main()
