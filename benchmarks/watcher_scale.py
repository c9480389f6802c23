"""Watcher at scale: N active jobs on the four simulators, followed by the real `Poller` code.

`PYTHONPATH=. .venv/bin/python -m benchmarks.watcher_scale [--per-vendor 25000] [--pending-s 30] [--spread-s 30]`
`PYTHONPATH=. .venv/bin/python -m benchmarks.watcher_scale --short` (1,000 per vendor, about 40 s)

- The simulators run as subprocesses with room for every job; each job waits on its vendor, then runs
  for an hour (steering env), so every job makes one QUEUED -> RUNNING transition.
- Jobs are seeded in bulk through each simulator's simulator-only `POST /_sim/seed`
  (`services/vendorsim/seeding.py`): the create bodies are the ones the real adapters send, and the
  simulator runs each through its own create code, so listings and details are those of jobs created
  through the create API. Job i of n waits `pending_s + spread_s * i / n` before it may start, so the
  starts are spread like a steady stream rather than one burst (by default at the same ~170 starts/s per
  vendor whatever the number of jobs: what grows is the number of jobs watched, not the rate of starts). The jobs are then tracked with the
  watcher's own `store.start_tracking` (one transaction per `TRACK_BATCH` jobs).
- This process runs one `Poller` per vendor on the scratch database, ticking every `watch_interval_s`
  exactly as `watch_vendor` does (without the advisory lock), with the adapters `make_adapter` builds
  (Qizhi at its default client-side limit). Its RSS is the watcher's memory.
- Detection latency (of the jobs that started once the watching had begun; a slow seeding on a busy box
  can outlast --pending-s, and those started before are counted apart): the vendor-side start (`vendor_time` of the change, i.e. the simulator's own
  start time; CAIP reports none, so the `ready_at` the simulator gave at seeding, which is its start
  with capacity to spare) -> the JobStateChanged row committed in `watcher.outbox` (its `created_at`,
  the transaction's time). Kafka is not involved: no relay runs.
- Vendor calls are counted on this process's httpx clients, per poll cycle (ticks after seeding ended).
- Run times: every `--ending-every`-th job runs `--ending-run-s` and ends during the watch. The start and end the
  watcher announces (`started_at`, `finished_at`: what billing meters between) are set beside the simulator's own
  (its `ready_at`, and that plus the job's run time): the gap is what a tenant would pay for that Switchyard did not
  see run, or not pay for that did (AI Space's start is its phase change to Running, not its launch).
- The limit beside the watcher's figure, in the same invocation once the watching is over: the thinnest
  honest loop over the same reads, the adapter's own `list_active` (listing vendors) or `get` (per-job
  vendors, `watch_get_concurrency` in flight, through the adapter's rate limit) against the same
  simulators holding the same jobs, the four side by side, with no database and no state changes. Both are given as job
  statuses read per second (a listing vendor: tracked jobs / poll cycle; a per-job vendor: reads / s), and
  their ratio. The figures against the targets (p99 <= 2 x the poll interval for the listing vendors, RSS
  <= 1 GB) end in `RESULT` lines.
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

from benchmarks.measure import beside_limit, percentile, print_header, rss_mb
from benchmarks.placement_common import start_simulators, stop
from contracts.events import JobSubmitted
from services.common.db import create_pool
from services.common.logs import configure_logging
from services.common.settings import get_settings
from services.watcher.config import WatcherSettings
from services.vendors import make_adapter
from services.vendors.base import SubmitRequest
from services.watcher import store
from services.watcher.schedule import tick_pause
from services.watcher.changes import first_state
from services.watcher.watching import Poller
from tests.scratch_db import create_scratch_database, drop_database

VENDORS = ["modelarts", "caip", "qizhi", "aispace"]
TRACK_BATCH = 500  # start_tracking calls per transaction
RSS_LIMIT_MB = 1024
RAW_LISTINGS = 3  # list_active calls per listing vendor in the raw loop
RAW_GET_S = 3.0  # how long the raw loop reads a per-job vendor
BILLED_MINUTE_S = 60  # what the gap between the vendor's run times and ours is held against


# --- seeding: the adapters' own create bodies, created in bulk by the simulators ------------------

async def create_body(vendor: str, adapter, req: SubmitRequest) -> dict:
    """The body the adapter's submit would POST (the adapters' own builders)."""
    if vendor == "modelarts":
        from services.vendors.modelarts.wire import training_body
        return training_body(req)
    if vendor == "caip":
        return adapter._job_body(req)
    if vendor == "qizhi":
        return await adapter._create_body(req)
    from services.vendors.aispace.wire import training_job
    return training_job(req, adapter._settings)


def run_seconds(index: int, ending_every: int, ending_run_s: float) -> float:
    """Job `index`'s run time: every `ending_every`-th job ends during the watch (0: none), the rest run an hour."""
    return ending_run_s if ending_every and index % ending_every == 0 else 3600.0


async def seed_vendor(pool, vendor: str, count: int, pending_s: float, spread_s: float, seeded: dict,
                      vendor_job_ids: dict[str, list[str]], ending_every: int = 0, ending_run_s: float = 0.0) -> tuple:
    """Seed `count` jobs on `vendor`'s simulator and track them; returns (seed s, track s)."""
    started = time.monotonic()
    adapter = make_adapter(vendor)
    flavors = await adapter.list_flavors("training")
    flavor = next((f for f in flavors if f.accelerator == "cpu"), flavors[0])
    job_ids = [uuid.uuid4() for _ in range(count)]
    runs = [run_seconds(index, ending_every, ending_run_s) for index in range(count)]
    bodies = [await create_body(vendor, adapter, SubmitRequest(
        name=f"sy-{job_id.hex}", kind="training", image="swr.example/team/pytorch:2.1", command="python train.py",
        env={"SWITCHYARD_SIM_RUN_SECONDS": f"{run_s:g}"}, flavor_id=flavor.flavor_id))
        for job_id, run_s in zip(job_ids, runs, strict=True)]
    await adapter.aclose()
    url = os.environ[f"SWITCHYARD_{vendor.upper()}_ENDPOINT"] + "/_sim/seed" + ("/slm" if vendor == "aispace" else "")
    async with httpx.AsyncClient(timeout=1800) as client:  # 25,000 creates take minutes on a busy box
        response = await client.post(url, json={"bodies": bodies, "pending_s": pending_s, "spread_s": spread_s})
    response.raise_for_status()
    answer = response.json()
    submitted_at = datetime.now(UTC)
    seed_s = time.monotonic() - started

    started = time.monotonic()
    events = []
    for job_id, row, run_s in zip(job_ids, answer, runs, strict=True):
        vendor_job_id = f"slm:{row['id']}" if vendor == "aispace" else str(row["id"])
        events.append(JobSubmitted(
            job_id=job_id, tenant_id=uuid.UUID(int=1), vendor=vendor, vendor_job_id=vendor_job_id,
            flavor=flavor.flavor_id, accelerator="cpu", count=1, vendor_price_per_hour=1,
            raw_status=row["status"], submitted_at=submitted_at))
        seeded[job_id] = (vendor, datetime.fromtimestamp(row["ready_at"], UTC), run_s)
        vendor_job_ids[vendor].append(vendor_job_id)
    for first in range(0, len(events), TRACK_BATCH):
        async with pool.acquire() as conn, conn.transaction():
            for event in events[first:first + TRACK_BATCH]:
                await store.start_tracking(conn, event, first_state(event))
    return seed_s, time.monotonic() - started


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


async def poll_loop(vendor: str, runtime, counter: CallCounter, cycles: list, stop_at: list[float],
                    gets: list) -> None:
    adapter = make_adapter(vendor)
    get = adapter.get

    async def recorded_get(vendor_job_id, kind="training"):  # which jobs a per-job vendor is asked about
        gets.append((time.monotonic(), vendor, vendor_job_id))
        return await get(vendor_job_id, kind)
    adapter.get = recorded_get
    poller = Poller(adapter, runtime.settings)
    port = port_of(vendor)
    while time.monotonic() < stop_at[0]:
        before, started = counter.by_port[port], time.monotonic()
        try:
            await poller.poll_once(runtime)
        except Exception as exc:  # noqa: BLE001 - a benchmark reports, it does not stop
            print(f"{vendor}: tick failed: {exc!r}", file=sys.stderr)
        cycles.append((vendor, started, counter.by_port[port] - before, time.monotonic() - started))
        await asyncio.sleep(tick_pause(time.monotonic() - started, runtime.settings.watch_interval_s))


# --- the limit: the adapter's own status reads, nothing else ------------------------------------

async def raw_reads(vendor: str, vendor_job_ids: list[str], settings: WatcherSettings) -> tuple[float, str]:
    """Job statuses per second the adapter alone reads from the simulator: `list_active` back to back
    (a listing vendor), or `get` over the seeded jobs with `watch_get_concurrency` in flight for
    `RAW_GET_S` (a per-job vendor, through the adapter's own rate limit)."""
    adapter = make_adapter(vendor)
    try:
        if adapter.can_list:
            durations, listed = [], 0
            for _ in range(RAW_LISTINGS):
                started = time.monotonic()
                listed = len(await adapter.list_active())
                durations.append(time.monotonic() - started)
            best = min(durations)
            return listed / best, (f"{listed} jobs per list_active, {RAW_LISTINGS} listings: "
                                   + ", ".join(f"{d:.2f}" for d in durations) + " s")
        reads, ids = [0], iter(vendor_job_ids * 2)
        stop_at = time.monotonic() + RAW_GET_S

        async def reader() -> None:
            for vendor_job_id in ids:
                if time.monotonic() >= stop_at:
                    return
                await adapter.get(vendor_job_id)
                reads[0] += 1
        started = time.monotonic()
        await asyncio.gather(*(reader() for _ in range(settings.watch_get_concurrency)))
        elapsed = time.monotonic() - started
        return reads[0] / elapsed, f"{reads[0]} gets in {elapsed:.1f} s, {settings.watch_get_concurrency} in flight"
    finally:
        await adapter.aclose()


async def run(args) -> None:
    configure_logging("watcher", "WARNING")  # 100,000 state-change lines would cost the watcher CPU
    base = get_settings()
    log_dir = Path(tempfile.mkdtemp(prefix="bench_watch_"))
    database, url = await create_scratch_database(base.database_url, "bench_watch")
    simulators = start_simulators(VENDORS, args.per_vendor + 100, args.pending_s, log_dir)
    pool = await create_pool(url, max_size=12)
    settings = WatcherSettings(database_url=url, vendors=VENDORS)
    runtime = SimpleNamespace(pool=pool, settings=settings)
    counter = CallCounter()
    seeded: dict = {}
    vendor_job_ids: dict[str, list[str]] = defaultdict(list)
    raw: dict[str, tuple[float, str]] = {}
    cycles: list = []
    gets: list = []
    stop_at = [float("inf")]
    rss_before = rss_mb()
    rss_peak = [rss_before]
    try:
        async def sample_rss() -> None:
            while True:
                rss_peak[0] = max(rss_peak[0], rss_mb())
                await asyncio.sleep(1)
        sampler = asyncio.create_task(sample_rss())

        t0 = time.monotonic()
        times = await asyncio.gather(*(
            seed_vendor(pool, v, args.per_vendor, args.pending_s, args.spread_s, seeded, vendor_job_ids,
                        args.ending_every, args.ending_run_s)
            for v in VENDORS))
        seeding_done = time.monotonic()
        print(f"seeded and tracked {len(seeded)} jobs in {seeding_done - t0:.1f} s ("
              + ", ".join(f"{v}: seed {a:.1f} s + track {b:.1f} s" for v, (a, b) in zip(VENDORS, times)) + ")")
        # Watch until the last job may have started (its simulator's ready_at), then settle_s more.
        last_start = max(ready_at for _, ready_at, _ in seeded.values())
        stop_at[0] = seeding_done + max(0.0, (last_start - datetime.now(UTC)).total_seconds()) + args.settle_s
        watch_started = datetime.now(UTC)
        # Watching starts once every job is tracked (before any of them starts on its vendor): what is
        # measured is the steady state of a watcher following every job, not the seeding.
        pollers = [asyncio.create_task(poll_loop(v, runtime, counter, cycles, stop_at, gets)) for v in VENDORS]
        await asyncio.gather(*pollers)
        ended = time.monotonic()
        sampler.cancel()
        rows = await pool.fetch("SELECT payload, created_at FROM watcher.outbox")
        active = await pool.fetch("SELECT vendor, status, count(*) AS n FROM watcher.tracked_jobs GROUP BY 1, 2")
        # The limit, on the same simulators in the state the watcher left them, the four vendors side by
        # side as the watcher polls them (so they share the box the same way).
        raw.update(zip(VENDORS, await asyncio.gather(*(
            raw_reads(vendor, vendor_job_ids[vendor], settings) for vendor in VENDORS))))
    finally:
        stop(simulators)  # first: an interrupted run must not leave them behind whatever happens next
        pool.terminate()  # connections a cancelled seeding still held are not waited for
        await drop_database(base.database_url, database)

    latencies: dict[str, list[float]] = defaultdict(list)
    early: Counter = Counter()  # started before the watching did (seeding outlasted --pending-s): left out
    detected_at: dict[str, float] = {}  # vendor job id -> monotonic time its RUNNING was committed
    wall_minus_mono = time.time() - time.monotonic()
    start_gaps: dict[str, list[float]] = defaultdict(list)  # announced started_at - the simulator's own start
    end_gaps: dict[str, list[float]] = defaultdict(list)  # announced finished_at - the simulator's own end
    for row in rows:
        change = json.loads(row["payload"])
        vendor, ready_at, run_s = seeded[uuid.UUID(change["job_id"])]
        if ready_at < watch_started:  # the simulator's own start moment
            early[vendor] += change.get("to_status") == "RUNNING"
            continue
        if change.get("to_status") == "SUCCEEDED" and change.get("finished_at"):
            vendor_end = ready_at + timedelta(seconds=run_s)
            end_gaps[vendor].append((datetime.fromisoformat(change["finished_at"]) - vendor_end).total_seconds())
        if change.get("to_status") != "RUNNING":
            continue
        started = datetime.fromisoformat(change["vendor_time"]) if change.get("vendor_time") else ready_at
        latencies[vendor].append((row["created_at"] - started).total_seconds())
        detected_at[change["vendor_job_id"]] = row["created_at"].timestamp() - wall_minus_mono
        if change.get("started_at"):
            start_gaps[vendor].append((datetime.fromisoformat(change["started_at"]) - ready_at).total_seconds())
    print(f"\n{args.per_vendor} jobs per vendor, starts spread over {args.pending_s:.0f}-"
          f"{args.pending_s + args.spread_s:.0f} s after seeding; watch_interval_s={settings.watch_interval_s}, "
          f"watch_starting_s={settings.watch_starting_s}, watch_batch={settings.watch_batch}, "
          f"watched for {ended - t0:.0f} s")
    print("detection latency, vendor start -> JobStateChanged(RUNNING) committed in watcher.outbox:")
    for vendor in VENDORS:
        values = latencies[vendor]
        print(f"  {vendor:9} detected {len(values) + early[vendor]:5}/{args.per_vendor}  p50 {percentile(values, .5):7.2f} s"
              f"  p99 {percentile(values, .99):7.2f} s  max {max(values, default=float('nan')):7.2f} s"
              + (f"  ({early[vendor]} started before the watching began, left out)" if early[vendor] else ""))
    print("the start and end Switchyard announces beside the vendor's own (the simulator's start and end of the run;"
          " billing meters between them), announced - vendor:")
    for vendor in VENDORS:
        starts, ends = start_gaps[vendor], end_gaps[vendor]
        print(f"  {vendor:9} start n={len(starts):5} p50 {percentile(starts, .5):7.2f} s"
              f"  p99 {percentile(starts, .99):7.2f} s  |  end n={len(ends):4} p50 {percentile(ends, .5):7.2f} s"
              f"  p99 {percentile(ends, .99):7.2f} s  max {max(ends, default=float('nan')):7.2f} s")
    print("tracked jobs by status at the end: "
          + ", ".join(f"{r['vendor']}/{r['status']}={r['n']}" for r in active))

    print("vendor calls per poll cycle after seeding (listing vendors; bound ceil(jobs/page)+1):")
    from services.vendors.modelarts import adapter as modelarts
    from services.vendors.caip import CaipSettings
    pages = {"modelarts": modelarts._SEARCH_PAGE_SIZE, "caip": CaipSettings().page_size}
    for vendor in ("modelarts", "caip"):
        calls = [c for v, s, c, _ in cycles if v == vendor and s >= seeding_done]
        durations = [d for v, s, _, d in cycles if v == vendor and s >= seeding_done]
        bound = math.ceil(args.per_vendor / pages[vendor]) + 1
        print(f"  {vendor:9} cycles {len(calls)}  calls/cycle median {percentile(calls, .5)} max {max(calls, default=0)}"
              f"  (page {pages[vendor]}, bound {bound})  cycle time p50 {percentile(durations, .5):.2f} s"
              f"  max {max(durations, default=float('nan')):.2f} s")
    for vendor in ("qizhi", "aispace"):
        stamps = [t for t in counter.times[port_of(vendor)] if t >= seeding_done]
        span = (stamps[-1] - stamps[0]) if len(stamps) > 1 else 1.0
        per_s = Counter(int(t - stamps[0]) for t in stamps) if stamps else Counter()
        asked = [(t, job) for t, v, job in gets if v == vendor]
        after_running = sum(1 for t, job in asked if job in detected_at and t > detected_at[job])
        print(f"  {vendor:9} {len(stamps)} calls in {span:.0f} s after seeding = {len(stamps) / span:.1f}/s, "
              f"busiest second {max(per_s.values(), default=0)} calls; {len(asked)} job reads, "
              f"{len({job for _, job in asked})} distinct jobs, {after_running} of them of jobs already seen RUNNING")
    from services.vendors.qizhi import QizhiSettings
    print(f"  (Qizhi client-side limit: {QizhiSettings().rate_per_s}/s)")
    print(f"watcher process RSS: {rss_before:.0f} MB before seeding, peak {rss_peak[0]:.0f} MB")

    print("job statuses read per second, the watcher beside the adapter alone (same simulators, same jobs):")
    figures = {}
    for vendor in VENDORS:
        if vendor in pages:  # a listing vendor: every tracked job is read once per poll cycle
            durations = [d for v, s, _, d in cycles if v == vendor and s >= seeding_done]
            watcher_rate = args.per_vendor / percentile(durations, .5) if durations else float("nan")
            how = f"{args.per_vendor} jobs / cycle p50"
        else:
            stamps = [t for t, v, _ in gets if v == vendor]
            span = (stamps[-1] - stamps[0]) if len(stamps) > 1 else float("nan")
            watcher_rate = len(stamps) / span
            how = f"{len(stamps)} reads in {span:.0f} s"
        limit, detail = raw[vendor]
        figures[vendor] = (watcher_rate, limit)
        print(f"  {vendor:9} watcher {watcher_rate:9,.0f}/s ({how})  adapter alone {limit:9,.0f}/s ({detail})"
              f"  ratio {beside_limit(watcher_rate, limit):.2f}")

    target = 2 * settings.watch_interval_s
    for vendor in ("modelarts", "caip"):
        p99 = percentile(latencies[vendor], .99)
        print(f"RESULT name=watcher_{vendor}_p99_s figure={p99:.2f} limit={target:g} "
              f"ratio={beside_limit(p99, target):.3f}")
    print(f"RESULT name=watcher_rss_mb figure={rss_peak[0]:.0f} limit={RSS_LIMIT_MB} "
          f"ratio={beside_limit(rss_peak[0], RSS_LIMIT_MB):.3f}")
    for vendor in VENDORS:  # against a billed minute: a gap that long would change what the tenant pays
        gaps = [abs(gap) for gap in start_gaps[vendor] + end_gaps[vendor]]
        if gaps:
            p99 = percentile(gaps, .99)
            print(f"RESULT name=watcher_{vendor}_run_time_gap_p99_s figure={p99:.2f} limit={BILLED_MINUTE_S} "
                  f"ratio={beside_limit(p99, BILLED_MINUTE_S):.3f}")
    for vendor, (figure, limit) in figures.items():
        print(f"RESULT name=watcher_{vendor}_reads_per_s figure={figure:.0f} limit={limit:.0f} "
              f"ratio={beside_limit(figure, limit):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-vendor", type=int, default=25000)
    parser.add_argument("--pending-s", type=float, default=30.0, help="least time each job waits on its vendor")
    parser.add_argument("--spread-s", type=float, default=None,
                        help="starts spread over this many seconds (default: 30 s per 5,000 jobs per vendor, "
                             "i.e. ~170 starts/s per vendor at any scale)")
    parser.add_argument("--settle-s", type=float, default=20.0, help="watch this long after the last start")
    parser.add_argument("--ending-every", type=int, default=10,
                        help="every N-th job ends during the watch (0: none), for the end-time gap")
    parser.add_argument("--ending-run-s", type=float, default=5.0, help="how long those jobs run")
    parser.add_argument("--short", action="store_true",
                        help="1,000 jobs per vendor, starts 12-15 s after seeding, 4 s to settle")
    args = parser.parse_args()
    if args.short:
        args.per_vendor, args.pending_s, args.spread_s, args.settle_s = 1000, 12.0, 3.0, 4.0
    if args.spread_s is None:
        args.spread_s = 30.0 * args.per_vendor / 5000
    print_header(f"watcher_scale: {args.per_vendor:,} active jobs per vendor followed by the watcher's Poller")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
