"""Backlog drain beside its limit: jobs x minutes UsageMinute events waiting on Kafka; first the raw
consumer (benchmarks.billing_raw: getmany → JSON → one transaction per batch, a charge row and an
outbox row per minute, same consumers per process) drains it in its own consumer group, then billing
is started and drains the same backlog into the ledger (and every UsageCharged out of the outbox); the
ledger is then checked to the micro-unit. Rates are from each one's first booked batch to its last
(a process's start-up and group join excluded, alike for both).

    PYTHONPATH=. .venv/bin/python -m benchmarks.billing_throughput [--jobs 5000] [--minutes 100] [--processes 1]
    PYTHONPATH=. .venv/bin/python -m benchmarks.billing_throughput --jobs 1000 --minutes 30   # short: < 1 min

The last line is machine-readable: `RESULT name=billing figure=<events/s> limit=<events/s> ratio=<r>`.
"""

import argparse
import asyncio
import time
from datetime import UTC, datetime, timedelta

from benchmarks.billing_common import Bench
from benchmarks.measure import beside_limit, print_header


def rates(samples: list[tuple[float, int]], started: float, total: int) -> dict[str, float]:
    """events/s from the first sample with a charge to the last (the figure), from the process start,
    and over the 10 %..90 % stretch when the samples have it."""
    first_t, first_c = next((t, c) for t, c in samples if c > 0)
    done_t, done_c = samples[-1]
    out = {"from start": done_c / (done_t - started),
           "figure": (done_c - first_c) / (done_t - first_t) if done_t > first_t else float("nan")}
    steady = [(t, c) for t, c in samples if total * 0.1 <= c <= total * 0.9]
    if len(steady) >= 2 and steady[-1][0] > steady[0][0]:
        (t0, c0), (t1, c1) = steady[0], steady[-1]
        out["steady"] = (c1 - c0) / (t1 - t0)
    return out


def describe(name: str, r: dict[str, float], seconds: float) -> str:
    steady = f", {r['steady']:,.0f}/s steady (10 %..90 %)" if "steady" in r else ""
    return (f"{name}: {r['figure']:,.0f} events/s first to last batch; {r['from start']:,.0f}/s from process start "
            f"({seconds:.1f} s){steady}")


async def run(jobs: int, minutes: int, tenants: int, batch: int, consumers: int, processes: int) -> None:
    total = jobs * minutes
    every_s = 0.1 if total <= 100_000 else 0.5
    print_header(f"billing_throughput: {total:,} UsageMinute events, billing beside the raw consumer")
    bench = await Bench.create("throughput", usage_partitions=consumers * processes)
    try:
        now = datetime.now(UTC)
        await bench.seed(tenants=tenants, jobs=jobs, started_at=lambda i: now - timedelta(minutes=minutes + 10),
                         next_minute=minutes, next_minute_at=lambda i: now + timedelta(days=1))
        await bench.create_raw_tables()
        produced_s = await bench.produce_backlog(minutes)
        print(f"backlog: {total} UsageMinute events ({jobs} jobs x {minutes} minutes, {tenants} tenants, "
              f"{len(bench.covered_tenants)} with a covering package) produced in {produced_s:.1f} s, "
              f"{consumers * processes} partitions")

        print(f"raw consumer (the limit): 1 process x {consumers} consumers, batches of {batch}")
        started = time.perf_counter()
        bench.start_raw_consumer(consumers=consumers, batch=batch)
        count, samples = await bench.wait_for_charges(total, timeout_s=600, every_s=every_s, count=bench.raw_charges)
        raw = rates(samples, started, total)
        print(describe("raw", raw, samples[-1][0] - started))
        bench.stop_billing()
        if count < total:
            raise RuntimeError(f"the raw consumer booked only {count} of {total}")

        print(f"billing: {processes} process(es) x {consumers} rating consumers, batches of {batch}")
        started = time.perf_counter()
        for _ in range(processes):
            bench.start_billing(SWITCHYARD_RATING_BATCH=str(batch), SWITCHYARD_RATING_CONSUMERS=str(consumers))
        count, samples = await bench.wait_for_charges(total, timeout_s=900, every_s=every_s)
        billing = rates(samples, started, total)
        print(describe("billing", billing, samples[-1][0] - started))
        deadline, left = time.monotonic() + 600, None
        while time.monotonic() < deadline:
            left = await bench.pool.fetchval("SELECT count(*) FROM billing.outbox WHERE published_at IS NULL")
            if left == 0:
                break
            await asyncio.sleep(every_s)
        print(f"every UsageCharged published to Kafka {time.perf_counter() - started:.1f} s after the start "
              f"({left} left unpublished)")
        bench.stop_billing()
        problems = await bench.check_ledger(minutes)
        print("ledger: exact to the micro-unit" if not problems else "ledger MISMATCH:\n  " + "\n  ".join(problems))
        ratio = beside_limit(billing["figure"], raw["figure"])
        print(f"billing {billing['figure']:,.0f} events/s beside the raw consumer's {raw['figure']:,.0f}: ratio {ratio:.2f}")
        print(f"RESULT name=billing figure={billing['figure']:.0f} limit={raw['figure']:.0f} ratio={ratio:.3f}"
              + ("" if not problems else " ledger=MISMATCH"))
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
