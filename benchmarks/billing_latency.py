"""Real-time burn-down: with 5,000 jobs running (their starts spread over a minute, so about 83
minute boundaries a second), how long from a minute boundary to its UsageCharged on Kafka?

The meter notices the boundary (SWITCHYARD_METERING_TICK_S), announces the UsageMinute through the
outbox, the rater books it and the relay publishes UsageCharged; this measures all of it, on the
wall clock of the one machine.

    PYTHONPATH=. .venv/bin/python -m benchmarks.billing_latency [--jobs 5000] [--seconds 150]
"""

import argparse
import asyncio
import json
import random
import time
import uuid
from datetime import UTC, datetime, timedelta

from aiokafka import AIOKafkaConsumer

from benchmarks.billing_common import Bench
from benchmarks.measure import machine, percentile
from contracts.topics import BILLING_EVENTS

WARMUP_S = 10


async def run(jobs: int, seconds: int, tenants: int) -> None:
    bench = await Bench.create("latency")
    try:
        now = datetime.now(UTC)
        offsets = [random.uniform(0, 60) for _ in range(jobs)]
        # Minute 0 of every job is behind us; the meter's next stop is minute 1, within the next minute.
        await bench.seed(tenants=tenants, jobs=jobs, started_at=lambda i: now - timedelta(seconds=offsets[i]),
                         next_minute=1, next_minute_at=lambda i: now - timedelta(seconds=offsets[i]) + timedelta(minutes=1))
        started = {job_id: started_at for job_id, _, started_at in bench.jobs}
        consumer = AIOKafkaConsumer(bench.prefix + BILLING_EVENTS, bootstrap_servers=bench.bootstrap,
                                    group_id=f"bench-{uuid.uuid4().hex[:6]}", auto_offset_reset="earliest")
        await consumer.start()
        bench.start_billing()
        t0 = datetime.now(UTC)
        window = (t0 + timedelta(seconds=WARMUP_S), t0 + timedelta(seconds=seconds - 5))
        latencies, deadline = {}, time.monotonic() + seconds
        try:
            while time.monotonic() < deadline:
                for records in (await consumer.getmany(timeout_ms=200)).values():
                    received = datetime.now(UTC)
                    for record in records:
                        if dict(record.headers).get("ce_type") != b"switchyard.usage.charged.v1":
                            continue
                        body = json.loads(record.value)
                        job_id, minute = uuid.UUID(body["job_id"]), body["minute"]
                        boundary = started[job_id] + timedelta(minutes=minute)
                        if window[0] <= boundary <= window[1]:
                            latencies[(job_id, minute)] = (received - boundary).total_seconds()
        finally:
            await consumer.stop()
        expected = sum(1 for s in started.values() for m in range(1, seconds // 60 + 3)
                       if window[0] <= s + timedelta(minutes=m) <= window[1])
        values = list(latencies.values())
        print(f"machine: {machine()}")
        print(f"{jobs} running jobs ({tenants} tenants), {seconds} s measured after a {WARMUP_S} s warm-up: "
              f"{len(values)} of {expected} minute boundaries charged and published")
        print("boundary -> UsageCharged on Kafka: " + ", ".join(
            f"p{p} {percentile(values, p / 100) * 1000:.0f} ms" for p in (50, 90, 99)) + f", max {max(values) * 1000:.0f} ms")
    finally:
        await bench.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--seconds", type=int, default=150)
    parser.add_argument("--tenants", type=int, default=500)
    args = parser.parse_args()
    asyncio.run(run(args.jobs, args.seconds, args.tenants))


if __name__ == "__main__":
    main()
