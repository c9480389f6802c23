"""Crash in the middle of the backlog: billing is SIGKILLed while draining UsageMinute events,
restarted, and the ledger must then equal the expected totals to the micro-unit (every (job,
minute) charged exactly once, balances, packages, revenue, one UsageCharged per charge).

    PYTHONPATH=. .venv/bin/python -m benchmarks.billing_crash [--jobs 5000] [--minutes 100] [--kill-at 0.4]
"""

import argparse
import asyncio
import time
from datetime import UTC, datetime, timedelta

from benchmarks.billing_common import Bench
from benchmarks.measure import print_header


async def run(jobs: int, minutes: int, tenants: int, kill_at: float) -> None:
    total = jobs * minutes
    print_header(f"billing_crash: SIGKILL billing at {kill_at:.0%} of {total:,} UsageMinute events, restart")
    bench = await Bench.create("crash")
    try:
        now = datetime.now(UTC)
        await bench.seed(tenants=tenants, jobs=jobs, started_at=lambda i: now - timedelta(minutes=minutes + 10),
                         next_minute=minutes, next_minute_at=lambda i: now + timedelta(days=1))
        await bench.produce_backlog(minutes)
        started = time.perf_counter()
        bench.start_billing()
        at_kill, _ = await bench.wait_for_charges(total, timeout_s=600, every_s=0.2, stop_at=int(total * kill_at))
        bench.kill_billing()
        killed = time.perf_counter()
        after_kill = await bench.charges()
        print(f"SIGKILL after {killed - started:.1f} s with {after_kill} of {total} minutes booked")
        await asyncio.sleep(2)
        bench.start_billing()
        count, _ = await bench.wait_for_charges(total, timeout_s=900)
        print(f"restarted: all {count} minutes booked {time.perf_counter() - killed:.1f} s after the kill")
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and await bench.pool.fetchval(
                "SELECT count(*) FROM billing.outbox WHERE published_at IS NULL"):
            await asyncio.sleep(1)
        bench.stop_billing()
        problems = await bench.check_ledger(minutes)
        print("ledger after the crash: exact to the micro-unit (no minute lost or doubled)" if not problems
              else "ledger MISMATCH:\n  " + "\n  ".join(problems))
    finally:
        await bench.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--minutes", type=int, default=100)
    parser.add_argument("--tenants", type=int, default=500)
    parser.add_argument("--kill-at", type=float, default=0.4, help="share of the backlog booked before the kill")
    args = parser.parse_args()
    asyncio.run(run(args.jobs, args.minutes, args.tenants, args.kill_at))


if __name__ == "__main__":
    main()
