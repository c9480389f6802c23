"""Backlog drain beside its limit: jobs x minutes UsageMinute events waiting on Kafka. The raw consumer
(benchmarks.billing_raw: getmany → JSON → one transaction per batch, a charge row and an outbox row per
minute, as many consumers in one process) drains it in a consumer group of its own; then billing is
started and drains the same backlog into the ledger (and every UsageCharged out of the outbox), and the
ledger is checked to the micro-unit; then the raw consumer drains it once more. The limit is the mean of
the two raw runs. Rates are from each one's first booked batch to its last (start-up and group join left
out, alike for both); beside them, the CPU each spent per event, in its process and in PostgreSQL.

    PYTHONPATH=. .venv/bin/python -m benchmarks.billing_throughput [--jobs 5000] [--minutes 100] [--processes 1]
    PYTHONPATH=. .venv/bin/python -m benchmarks.billing_throughput --jobs 1000 --minutes 30   # short: < 1 min

The last line is machine-readable:
`RESULT name=billing figure=<events/s> limit=<events/s> ratio=<r> cpu_ratio=<raw CPU per event / billing's>`.
"""

import argparse
import asyncio
import time
from datetime import UTC, datetime, timedelta

from benchmarks.billing_common import Bench
from benchmarks.measure import beside_limit, print_header


def rates(samples: list[tuple[float, int, tuple[float, float]]], started: float, total: int) -> dict[str, float]:
    """events/s from the first sample with a charge to the last (the figure), from the process start,
    over the 10 %..90 % stretch when the samples have it; and the CPU microseconds per event of the
    process and of its PostgreSQL backends over the figure's stretch."""
    first_t, first_c, (first_proc, first_db) = next(s for s in samples if s[1] > 0)
    done_t, done_c, (done_proc, done_db) = samples[-1]
    booked = done_c - first_c
    out = {"from start": done_c / (done_t - started),
           "figure": booked / (done_t - first_t) if done_t > first_t else float("nan"),
           "process us": (done_proc - first_proc) / booked * 1e6 if booked else float("nan"),
           "db us": (done_db - first_db) / booked * 1e6 if booked else float("nan")}
    steady = [(t, c) for t, c, _ in samples if total * 0.1 <= c <= total * 0.9]
    if len(steady) >= 2 and steady[-1][0] > steady[0][0]:
        (t0, c0), (t1, c1) = steady[0], steady[-1]
        out["steady"] = (c1 - c0) / (t1 - t0)
    return out


def describe(name: str, r: dict[str, float], seconds: float) -> str:
    steady = f", {r['steady']:,.0f}/s steady (10 %..90 %)" if "steady" in r else ""
    return (f"{name}: {r['figure']:,.0f} events/s first to last batch; {r['from start']:,.0f}/s from process start "
            f"({seconds:.1f} s){steady}; CPU per event: {r['process us']:.0f} us in the process, "
            f"{r['db us']:.0f} us in PostgreSQL")


async def drain_raw(bench: Bench, total: int, *, consumers: int, batch: int, every_s: float, run: int) -> dict:
    print(f"raw consumer (the limit), run {run}: 1 process x {consumers} consumers, batches of {batch}")
    await bench.empty_raw_tables()
    started = time.perf_counter()
    bench.start_raw_consumer(consumers=consumers, batch=batch, group=f"raw{run}")
    count, samples = await bench.wait_for_charges(total, timeout_s=600, every_s=every_s, count=bench.raw_charges,
                                                  cpu=bench.cpu_seconds)
    bench.stop_billing()
    if count < total:
        raise RuntimeError(f"the raw consumer booked only {count} of {total}")
    raw = rates(samples, started, total)
    print(describe(f"raw {run}", raw, samples[-1][0] - started))
    return raw


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

        # The limit runs before and after billing, and is their mean: load from other work on a shared
        # machine drifts over a run, and this way it weighs on both sides alike.
        before = await drain_raw(bench, total, consumers=consumers, batch=batch, every_s=every_s, run=1)

        print(f"billing: {processes} process(es) x {consumers} rating consumers, batches of {batch}")
        started = time.perf_counter()
        for _ in range(processes):
            bench.start_billing(SWITCHYARD_RATING_BATCH=str(batch), SWITCHYARD_RATING_CONSUMERS=str(consumers))
        count, samples = await bench.wait_for_charges(total, timeout_s=900, every_s=every_s, cpu=bench.cpu_seconds)
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
        after = await drain_raw(bench, total, consumers=consumers, batch=batch, every_s=every_s, run=2)
        limit = (before["figure"] + after["figure"]) / 2
        ratio = beside_limit(billing["figure"], limit)
        cpu_ratio = beside_limit((before["process us"] + before["db us"] + after["process us"] + after["db us"]) / 2,
                                 billing["process us"] + billing["db us"])
        print(f"billing {billing['figure']:,.0f} events/s beside the raw consumer's {limit:,.0f} "
              f"({before['figure']:,.0f} before, {after['figure']:,.0f} after): ratio {ratio:.2f}; "
              f"by CPU per event (process + PostgreSQL), raw / billing: {cpu_ratio:.2f}")
        print(f"RESULT name=billing figure={billing['figure']:.0f} limit={limit:.0f} ratio={ratio:.3f} "
              f"cpu_ratio={cpu_ratio:.3f}" + ("" if not problems else " ledger=MISMATCH"))
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
