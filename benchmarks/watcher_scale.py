"""Watcher at scale: N active jobs on the four simulators, followed by the real `Poller` code.

`PYTHONPATH=. .venv/bin/python -m benchmarks.watcher_scale [--per-vendor 5000] [--pending-s 30]`

- The simulators run as subprocesses with room for every job; each job waits `--pending-s` on its
  vendor, then runs for an hour (steering env), so every job makes one QUEUED -> RUNNING transition.
- Jobs are created through each vendor's create API by the real adapters, from one seeding subprocess
  per vendor (32 creates in flight; Qizhi's seeding adapter gets a high client-side rate so seeding
  does not take 1,000 s), and tracked with the watcher's own `store.start_tracking` as they are created.
- This process runs one `Poller` per vendor on the scratch database, ticking every `watch_interval_s`
  exactly as `watch_vendor` does (without the advisory lock), with the adapters `make_adapter` builds
  (Qizhi at its default client-side limit). Its RSS is the watcher's memory.
- Detection latency: the vendor-side start (`vendor_time` of the change, i.e. the simulator's own
  start time; CAIP reports none, so its create time + pending) -> the JobStateChanged row committed in
  `watcher.outbox` (its `created_at`, the transaction's time). Kafka is not involved: no relay runs.
- Vendor calls are counted on this process's httpx clients, per poll cycle (ticks after seeding ended).
"""

import argparse
import asyncio
import json
import math
import os
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import httpx

from benchmarks.placement_common import ROOT, machine, percentile, rss_mb, start_simulators, stop
from contracts.events import JobSubmitted
from services.common.db import create_pool
from services.common.logs import configure_logging
from services.common.settings import Settings, get_settings
from services.vendors import make_adapter
from services.vendors.base import SubmitRequest
from services.vendors.errors import VendorUnavailable
from services.watcher import store
from services.watcher.watching import Poller, first_state
from tests.scratch_db import create_scratch_database, drop_database

VENDORS = ["modelarts", "caip", "qizhi", "aispace"]
LISTING_PAGE = {"modelarts": None, "caip": None}  # filled from the adapters' settings
SEED_CONCURRENCY = 32


# --- seeding subprocess: create jobs through the adapter, print one JSON line per job -------------

async def seed(vendor: str, count: int) -> None:
    configure_logging("bench-seed", "WARNING")
    if vendor == "qizhi":
        from services.vendors.qizhi import Adapter, QizhiSettings
        adapter = Adapter(QizhiSettings(rate_per_s=10_000, concurrency=SEED_CONCURRENCY))
    else:
        adapter = make_adapter(vendor)
    flavors = await adapter.list_flavors("training")
    flavor = next((f for f in flavors if f.accelerator == "cpu"), flavors[0])
    slots = asyncio.Semaphore(SEED_CONCURRENCY)

    async def one() -> None:
        job_id = uuid.uuid4()
        request = SubmitRequest(
            name=f"sy-{job_id.hex}", kind="training", image="swr.example/team/pytorch:2.1",
            command="python train.py", env={"SWITCHYARD_SIM_RUN_SECONDS": "3600"}, flavor_id=flavor.flavor_id)
        async with slots:
            for attempt in range(3):  # a dropped connection under load: submit is idempotent by name
                try:
                    job = await adapter.submit(request)
                    break
                except VendorUnavailable:
                    if attempt == 2:
                        raise
                    await asyncio.sleep(0.5)
        print(json.dumps({"job_id": str(job_id), "vendor_job_id": job.vendor_job_id, "raw_status": job.raw_status,
                          "flavor": flavor.flavor_id, "submitted_at": datetime.now(UTC).isoformat()}), flush=True)

    await asyncio.gather(*(one() for _ in range(count)))


# --- the benchmark --------------------------------------------------------------------------------

class CallCounter:
    """Counts this process's HTTP requests per simulator port (the pollers are its only clients)."""

    def __init__(self) -> None:
        self.by_port: Counter = Counter()
        self.times: dict[int, list[float]] = defaultdict(list)
        original = httpx.AsyncClient.send
        counter = self

        async def send(client, request, *args, **kwargs):
            port = request.url.port
            counter.by_port[port] += 1
            counter.times[port].append(time.monotonic())
            return await original(client, request, *args, **kwargs)

        httpx.AsyncClient.send = send


def port_of(vendor: str) -> int:
    return httpx.URL(os.environ[f"SWITCHYARD_{vendor.upper()}_ENDPOINT"]).port


async def track(pool, vendor: str, line: bytes, seeded: dict) -> None:
    row = json.loads(line)
    submitted = JobSubmitted(
        job_id=uuid.UUID(row["job_id"]), tenant_id=uuid.UUID(int=1), vendor=vendor,
        vendor_job_id=row["vendor_job_id"], flavor=row["flavor"], accelerator="cpu", count=1,
        vendor_price_per_hour=1, raw_status=row["raw_status"], submitted_at=datetime.fromisoformat(row["submitted_at"]))
    seeded[submitted.job_id] = (vendor, submitted.submitted_at)
    async with pool.acquire() as conn, conn.transaction():
        await store.start_tracking(conn, submitted, first_state(submitted))


async def seed_vendor(pool, vendor: str, count: int, seeded: dict) -> float:
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.watcher_scale", "--seed", vendor, "--per-vendor", str(count),
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)}, limit=1 << 20)
    pending = set()
    async for line in process.stdout:
        pending.add(asyncio.create_task(track(pool, vendor, line, seeded)))
        if len(pending) >= 8:
            _, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
    if pending:
        await asyncio.gather(*pending)
    if await process.wait() != 0:
        raise RuntimeError(f"seeding {vendor} failed")
    return time.monotonic() - started


async def poll_loop(vendor: str, runtime, counter: CallCounter, cycles: list, stop_at: list[float]) -> None:
    poller = Poller(make_adapter(vendor), runtime.settings)
    port = port_of(vendor)
    while time.monotonic() < stop_at[0]:
        before, started = counter.by_port[port], time.monotonic()
        try:
            await poller.poll_once(runtime)
        except Exception as exc:  # noqa: BLE001 - a benchmark reports, it does not stop
            print(f"{vendor}: tick failed: {exc!r}", file=sys.stderr)
        cycles.append((vendor, started, counter.by_port[port] - before, time.monotonic() - started))
        await asyncio.sleep(runtime.settings.watch_interval_s)


async def run(args) -> None:
    configure_logging("watcher", "WARNING")  # 20,000 state-change lines would cost the watcher CPU
    print(f"machine: {machine()}")
    base = get_settings()
    log_dir = Path(tempfile.mkdtemp(prefix="bench_watch_"))
    database, url = await create_scratch_database(base.database_url, "bench_watch")
    simulators = start_simulators(VENDORS, args.per_vendor + 100, args.pending_s, log_dir)
    pool = await create_pool(url, max_size=12)
    settings = Settings(database_url=url, vendors=VENDORS)
    runtime = SimpleNamespace(pool=pool, settings=settings)
    counter = CallCounter()
    seeded: dict = {}
    cycles: list = []
    stop_at = [float("inf")]
    rss_before = rss_mb()
    rss_peak = [rss_before]
    try:
        pollers = [asyncio.create_task(poll_loop(v, runtime, counter, cycles, stop_at)) for v in VENDORS]

        async def sample_rss() -> None:
            while True:
                rss_peak[0] = max(rss_peak[0], rss_mb())
                await asyncio.sleep(1)
        sampler = asyncio.create_task(sample_rss())

        t0 = time.monotonic()
        seed_times = await asyncio.gather(*(seed_vendor(pool, v, args.per_vendor, seeded) for v in VENDORS))
        seeding_done = time.monotonic()
        print(f"seeded {len(seeded)} jobs through the create APIs in {seeding_done - t0:.1f} s "
              f"({', '.join(f'{v} {s:.1f} s' for v, s in zip(VENDORS, seed_times))})")
        stop_at[0] = seeding_done + args.pending_s + args.settle_s
        await asyncio.gather(*pollers)
        sampler.cancel()
        rows = await pool.fetch("SELECT payload, created_at FROM watcher.outbox")
        active = await pool.fetch("SELECT vendor, status, count(*) AS n FROM watcher.tracked_jobs GROUP BY 1, 2")
    finally:
        await pool.close()
        stop(simulators)
        await drop_database(base.database_url, database)

    latencies: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        change = json.loads(row["payload"])
        if change.get("to_status") != "RUNNING":
            continue
        vendor, submitted_at = seeded[uuid.UUID(change["job_id"])]
        started = (datetime.fromisoformat(change["vendor_time"]) if change.get("vendor_time")
                   else submitted_at + timedelta(seconds=args.pending_s))
        latencies[vendor].append((row["created_at"] - started).total_seconds())
    print(f"\n{args.per_vendor} jobs per vendor; watch_interval_s={settings.watch_interval_s}, "
          f"watch_starting_s={settings.watch_starting_s}, watch_batch={settings.watch_batch}")
    print("detection latency, vendor start -> JobStateChanged(RUNNING) committed in watcher.outbox:")
    for vendor in VENDORS:
        values = latencies[vendor]
        print(f"  {vendor:9} detected {len(values):5}/{args.per_vendor}  p50 {percentile(values, .5):7.2f} s"
              f"  p99 {percentile(values, .99):7.2f} s  max {max(values, default=float('nan')):7.2f} s")
    print("tracked jobs by status at the end: "
          + ", ".join(f"{r['vendor']}/{r['status']}={r['n']}" for r in active))

    print("vendor calls per poll cycle after seeding (listing vendors; bound ceil(jobs/page)+1):")
    from services.vendors.caip import CaipSettings
    from services.vendors import modelarts
    pages = {"modelarts": modelarts._SEARCH_PAGE_SIZE, "caip": CaipSettings().page_size}
    for vendor in ("modelarts", "caip"):
        calls = [c for v, s, c, _ in cycles if v == vendor and s >= seeding_done]
        durations = [d for v, s, _, d in cycles if v == vendor and s >= seeding_done]
        bound = math.ceil(args.per_vendor / pages[vendor]) + 1
        print(f"  {vendor:9} cycles {len(calls)}  calls/cycle median {percentile(calls, .5)} max {max(calls, default=0)}"
              f"  (page {pages[vendor]}, bound {bound})  cycle time p50 {percentile(durations, .5):.2f} s")
    for vendor in ("qizhi", "aispace"):
        stamps = [t for t in counter.times[port_of(vendor)] if t >= t0]
        span = (stamps[-1] - stamps[0]) if len(stamps) > 1 else 1.0
        per_s = Counter(int(t - stamps[0]) for t in stamps) if stamps else Counter()
        print(f"  {vendor:9} {len(stamps)} calls in {span:.0f} s = {len(stamps) / span:.1f}/s, "
              f"busiest second {max(per_s.values(), default=0)} calls")
    print(f"  (Qizhi client-side limit: {__import__('services.vendors.qizhi', fromlist=['x']).QizhiSettings().rate_per_s}/s)")
    print(f"watcher process RSS: {rss_before:.0f} MB before seeding, peak {rss_peak[0]:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-vendor", type=int, default=5000)
    parser.add_argument("--pending-s", type=float, default=30.0, help="how long each job waits on its vendor")
    parser.add_argument("--settle-s", type=float, default=20.0, help="watch this long after the last start")
    parser.add_argument("--seed", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        asyncio.run(seed(args.seed, args.per_vendor))
    else:
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
