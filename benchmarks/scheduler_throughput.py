"""Scheduler throughput: placements per second from JobRequested on Kafka to JobSubmitted on Kafka.

Runs the real scheduler and billing processes (billing answers the price book; admission is switched
off with SWITCHYARD_ADMISSION_MINUTES=0) against a ModelArts simulator with room for every job, on a
scratch database and a private topic prefix; publishes N JobRequested events (one tenant each, so
tenant serialisation does not hide the dispatcher's concurrency) and times each JobSubmitted.

Its limit, measured first in the same invocation against the same simulator process: the thinnest honest
loop over the same vendor work, the ModelArts adapter's own `submit` of the same N jobs in a loop from as
many concurrent callers as the dispatcher keeps vendor calls in flight (`dispatcher.CONCURRENCY`), in this
process, with nothing else to do. The dispatcher's rate is printed beside it, with their ratio.

    make infra
    PYTHONPATH=. .venv/bin/python -m benchmarks.scheduler_throughput [--jobs 6000]   # --jobs 1000: short

Prints its figures, then `RESULT name=placement figure=<placements/s> limit=<raw submits/s> ratio=<r>`,
`RESULT name=placement_cpu ...` (the same two by CPU: placements per CPU-second of every process the pipeline
runs on — scheduler, billing, simulator, the PostgreSQL backends of its database and the broker — beside raw
submits per CPU-second of the loop and the simulator; a shared machine moves this one far less) and
`RESULT name=placement_target ...` (the figure beside the 500/s target); bounded by --jobs and --timeout-s;
127.0.0.1 only.
"""

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from benchmarks.measure import beside_limit, free_port, percentile, print_header
from benchmarks.placement_common import ROOT, cpu_seconds, start_simulators, stop
from contracts.events import Envelope, JobRequested
from contracts.jobs import JobSpec
from contracts.topics import JOBS_COMMANDS, JOBS_EVENTS
from services.cli import create_topics
from services.common.settings import get_settings
from services.scheduler.dispatcher import CONCURRENCY
from services.scheduler.placement import vendor_job_name
from services.vendors import make_adapter
from services.vendors.base import SubmitRequest
from tests.scratch_db import create_scratch_database, drop_database

SPEC = JobSpec(kind="training", name="bench", image="swr.example/bench:1", command="true",
               resources={"accelerator": "ascend-910b", "count": 1}, env={"SWITCHYARD_SIM_RUN_SECONDS": "3600"})
FLAVOR = "modelarts.vm.snt9.1card"  # where the dispatcher places SPEC: the one ModelArts flavor of one 910B card
TARGET_PER_S = 500  # issue 14: placements per second on this box with 6,000 jobs


def start_service(name: str, env: dict[str, str], log_dir: Path, log_name: str | None = None) -> subprocess.Popen:
    log = open(log_dir / f"{log_name or name}.log", "wb")
    return subprocess.Popen([sys.executable, "-m", f"services.{name}"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)


async def raw_submits(jobs: int) -> float:
    """The limit: the adapter's submit of `jobs` jobs (the dispatcher's request, one new job id each) from
    `CONCURRENCY` concurrent loops against the simulator; submits per second (this process's CPU is the loop's)."""
    adapter = make_adapter("modelarts")
    job_ids = iter([uuid.uuid4() for _ in range(jobs)])

    async def loop() -> None:
        for job_id in job_ids:
            await adapter.submit(SubmitRequest(
                name=vendor_job_name(job_id, 0), kind=SPEC.kind, image=SPEC.image, command=SPEC.command,
                env=SPEC.env, flavor_id=FLAVOR, max_runtime_s=SPEC.max_runtime_s, task=SPEC.task,
                storage_gb=SPEC.storage_gb, replicas=1, model=SPEC.model))

    try:
        await adapter.list_flavors("training")  # as the scheduler's catalog does first: the token is fetched
        started = time.monotonic()
        await asyncio.gather(*(loop() for _ in range(CONCURRENCY)))
        return jobs / (time.monotonic() - started)
    finally:
        await adapter.aclose()


async def run(jobs: int, timeout_s: float, schedulers: int, rate: float) -> None:
    print_header("scheduler throughput: JobRequested on Kafka -> JobSubmitted on Kafka, beside the raw submit loop")
    settings = get_settings()
    log_dir = Path(tempfile.mkdtemp(prefix="switchyard-bench-sched-"))
    name, database_url = await create_scratch_database(settings.database_url, "sy_bench")
    prefix = f"bench{uuid.uuid4().hex[:8]}."
    await create_topics(prefix=prefix)
    # Room for the raw loop's jobs and the dispatcher's.
    sims = start_simulators(["modelarts"], capacity=2 * jobs + 10, pending_s=3600, log_dir=log_dir)
    try:
        cpu_before = cpu_seconds(sims[0].pid), time.process_time()
        raw_per_s = await raw_submits(jobs)
        raw_cpu = {"simulator": cpu_seconds(sims[0].pid) - cpu_before[0], "loop": time.process_time() - cpu_before[1]}
        print("raw loop: CPU per submit " + ", ".join(f"{role} {used / jobs * 1000:.2f} ms"
                                                      for role, used in raw_cpu.items()))
    except BaseException:
        stop(sims)
        await drop_database(settings.database_url, name)
        raise
    billing_port = free_port()
    env = {**{k: v for k, v in os.environ.items()}, "PYTHONPATH": str(ROOT),
           "SWITCHYARD_DATABASE_URL": database_url, "SWITCHYARD_TOPIC_PREFIX": prefix,
           "SWITCHYARD_VENDORS": "modelarts", "SWITCHYARD_ADMISSION_MINUTES": "0",
           "SWITCHYARD_BILLING_URL": f"http://127.0.0.1:{billing_port}", "SWITCHYARD_LOG_LEVEL": "WARNING"}
    services = [start_service("billing", env, log_dir),
                *(start_service("scheduler", env | {"SWITCHYARD_SCHEDULER_URL": f"http://127.0.0.1:{free_port()}"},
                                log_dir, f"scheduler-{n}") for n in range(schedulers))]
    try:
        await _wait_http(f"http://127.0.0.1:{billing_port}/healthz")
        consumer = AIOKafkaConsumer(prefix + JOBS_EVENTS, bootstrap_servers=settings.kafka_bootstrap_servers,
                                    auto_offset_reset="earliest", group_id=f"bench-{uuid.uuid4().hex[:6]}")
        producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, linger_ms=5)
        await consumer.start()
        await producer.start()
        await asyncio.sleep(8)  # the scheduler's consumers join their group
        published: dict[str, float] = {}
        watched = {"scheduler": services[1].pid, "billing": services[0].pid, "simulator": sims[0].pid,
                   **{f"postgres {n}": pid for n, pid in enumerate(await _backends(database_url))}}
        if (broker := _broker_pid()) is not None:
            watched["kafka"] = broker
        cpu_before = {role: cpu_seconds(pid) for role, pid in watched.items()}
        started = time.monotonic()

        async def publish() -> float:
            for n in range(jobs):
                if rate:  # a steady offered load instead of one burst
                    await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
                event = JobRequested(job_id=uuid.uuid4(), tenant_id=uuid.uuid4(), spec=SPEC,
                                     requested_at=datetime.now(UTC))
                envelope = Envelope(source="benchmark", data=event)
                published[str(event.job_id)] = time.monotonic()
                await producer.send(prefix + JOBS_COMMANDS, envelope.kafka_body(), key=envelope.subject.encode(),
                                    headers=[(k, v.encode()) for k, v in envelope.kafka_headers().items()])
            await producer.flush()
            return time.monotonic() - started

        publishing = asyncio.create_task(publish())  # consumed while it publishes, so latencies are true
        latencies: list[float] = []
        last = started
        deadline = started + timeout_s
        while len(latencies) < jobs and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            now = time.monotonic()
            for record in (r for rs in batch.values() for r in rs):
                headers = {k: v.decode() for k, v in record.headers}
                if headers.get("ce_type") == "switchyard.job.submitted.v1" and headers["ce_subject"] in published:
                    latencies.append(now - published.pop(headers["ce_subject"]))
                    last = now
        publish_s = await publishing
        cpu_used = {role: cpu_seconds(pid) - cpu_before[role] for role, pid in watched.items()}
        await producer.stop()
        await consumer.stop()
        elapsed = last - started
        placed_per_s = len(latencies) / elapsed
        print(f"scheduler replicas: {schedulers}; jobs requested: {jobs} "
              f"({f'{rate:.0f}/s' if rate else 'at once'}, published in {publish_s:.1f} s); "
              f"placed: {len(latencies)}")
        print(f"placements per second (first request -> last JobSubmitted): {placed_per_s:.0f}")
        print(f"placement latency JobRequested published -> JobSubmitted consumed: "
              f"p50 {percentile(latencies, 0.50):.2f} s, p99 {percentile(latencies, 0.99):.2f} s")
        cpu_used["postgres"] = sum(cpu_used.pop(role) for role in list(cpu_used) if role.startswith("postgres "))
        print("CPU per placement: " + ", ".join(
            f"{role} {used / max(1, len(latencies)) * 1000:.2f} ms" for role, used in cpu_used.items()))
        per_cpu_s = len(latencies) / sum(cpu_used.values())
        raw_per_cpu_s = jobs / sum(raw_cpu.values())
        print(f"limit: the adapter's submit in a loop, {CONCURRENCY} in flight, same simulator: {raw_per_s:.0f} submits/s")
        ratio = beside_limit(placed_per_s, raw_per_s)
        print(f"placements / raw submits: {ratio:.2f} (target >= 0.80); "
              f"beside the {TARGET_PER_S}/s target: {placed_per_s / TARGET_PER_S:.2f}")
        print(f"logs: {log_dir}")
        print(f"RESULT name=placement figure={placed_per_s:.0f} limit={raw_per_s:.0f} ratio={ratio:.2f}")
        print(f"by CPU: {per_cpu_s:.0f} placements per CPU-second, {raw_per_cpu_s:.0f} raw submits per CPU-second")
        print(f"RESULT name=placement_cpu figure={per_cpu_s:.0f} limit={raw_per_cpu_s:.0f} "
              f"ratio={beside_limit(per_cpu_s, raw_per_cpu_s):.2f}")
        print(f"RESULT name=placement_target figure={placed_per_s:.0f} limit={TARGET_PER_S} "
              f"ratio={placed_per_s / TARGET_PER_S:.2f}")
    finally:
        for process in services:
            process.terminate()
        for process in services:
            process.wait(timeout=20)
        stop(sims)
        await drop_database(settings.database_url, name)


async def _backends(database_url: str) -> list[int]:
    """The PostgreSQL backends serving the benchmark's database (the services' pools, open for the whole run)."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                "AND pid <> pg_backend_pid()")
        return [row["pid"] for row in rows]
    finally:
        await conn.close()


def _broker_pid() -> int | None:
    """The broker `infra/kafka.sh` started (its pid file), if it is this machine's."""
    pid_file = Path(os.environ.get("SWITCHYARD_DATA_DIR", ROOT / ".data")) / "kafka" / "kafka.pid"
    try:
        pid = int(pid_file.read_text().split()[0])
        return pid if Path(f"/proc/{pid}").exists() else None
    except (OSError, ValueError, IndexError):
        return None


async def _wait_http(url: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient() as client:
        while True:
            try:
                if (await client.get(url, timeout=1)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer")
            await asyncio.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=6000, help="jobs to place (1000: a short run)")
    parser.add_argument("--timeout-s", type=float, default=300)
    parser.add_argument("--schedulers", type=int, default=1, help="scheduler replicas (they share the queue)")
    parser.add_argument("--rate", type=float, default=0, help="requests per second (default: all at once)")
    args = parser.parse_args()
    asyncio.run(run(args.jobs, args.timeout_s, args.schedulers, args.rate))


if __name__ == "__main__":
    main()
