"""Webhook throughput and latency: job events produced to Kafka at a steady rate (or all at once), each fanned
out by the notifier to 100 endpoints of one tenant on local receivers, one of which never answers (every
attempt times out after 15 s). Prints deliveries per second and event→delivery latency percentiles.

    PYTHONPATH=. .venv/bin/python -m benchmarks.notify_throughput [--rate 25] [--seconds 30] [--replicas 1]
    PYTHONPATH=. .venv/bin/python -m benchmarks.notify_throughput --rate 0 --events 120   # a backlog at once
    PYTHONPATH=. .venv/bin/python -m benchmarks.notify_throughput --short                  # about 30 s

Beside the notifier's figure, in the same invocation: the thinnest honest loop over the same work, the
notifier's own HTTP client (`services/common/http1.py`) posting the bodies the notifier delivered, signed
the same way (`signing.signed_headers`), to the same receivers, at the notifier's concurrency (in flight
per process and per endpoint), from this process; and the ratio of the two. The notifier's figure is its
capacity only when the events come at once (`--rate 0`): at a steady rate it is the offered load.

Bounded: a scratch database and topic prefix, 127.0.0.1 only, at most `seconds` of load plus 60 s to
drain; the receivers verify a sample of signatures with the standardwebhooks package.
"""

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from benchmarks.measure import beside_limit, free_port, percentile, print_header
from contracts.events import Envelope, JobStateChanged
from contracts.status import JobStatus
from contracts.topics import ALL_TOPICS, JOBS_EVENTS
from services.common.settings import get_settings
from services.common.http1 import HttpClient
from services.notifier import signing
from services.notifier.config import NotifierSettings
from services.notifier.fanout import delivery_id
from tests.scratch_db import create_scratch_database, drop_database

ROOT = Path(__file__).resolve().parents[1]
ENDPOINTS = 100
VERIFY_EVERY = 50  # receivers check one signature in this many






# --- receivers (a process of their own)

def receive(count: int, conn) -> None:
    """Listen on `count` ports of its choosing plus a dead one (it accepts connections and never answers);
    send back the ports, take the endpoints' secrets, serve until told to stop, then send back
    [(webhook-id, arrival time)] and the number of signatures checked."""
    with contextlib.suppress(ImportError):
        import uvloop
        uvloop.install()
    from standardwebhooks import Webhook

    arrivals: list[tuple[str, float]] = []
    checked = [0]
    secrets: dict[int, str] = {}

    class Hook(asyncio.Protocol):
        def __init__(self, port: int):
            self.port, self.buffer = port, b""

        def connection_made(self, transport):
            self.transport = transport

        def data_received(self, data: bytes) -> None:
            self.buffer += data
            while True:
                end = self.buffer.find(b"\r\n\r\n")
                if end < 0:
                    return
                head = self.buffer[:end].decode("latin-1").split("\r\n")
                headers = dict(line.split(": ", 1) for line in head[1:])
                length = int(headers["content-length"])
                if len(self.buffer) < end + 4 + length:
                    return
                body = self.buffer[end + 4:end + 4 + length]
                self.buffer = self.buffer[end + 4 + length:]
                arrivals.append((headers["webhook-id"], time.time()))
                if len(arrivals) % VERIFY_EVERY == 0:
                    Webhook(secrets[self.port]).verify(body, headers)  # raises if it does not verify
                    checked[0] += 1
                self.transport.write(b"HTTP/1.1 204 No Content\r\n\r\n")

    class Dead(asyncio.Protocol):
        def data_received(self, data: bytes) -> None:
            pass  # never answers

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        ports = []
        for _ in range(count):
            port = [0]
            server = await loop.create_server(lambda port=port: Hook(port[0]), "127.0.0.1", 0)
            port[0] = server.sockets[0].getsockname()[1]
            ports.append(port[0])
        dead = await loop.create_server(Dead, "127.0.0.1", 0)
        conn.send((ports, dead.sockets[0].getsockname()[1]))
        secrets.update(conn.recv())
        while not conn.poll():
            await asyncio.sleep(0.1)
        conn.recv()
        conn.send((arrivals, checked[0]))

    asyncio.run(serve())


# --- the run

async def produce(bootstrap: str, topic: str, tenant: uuid.UUID, rate: float, count: int) -> list[Envelope]:
    """`count` events at `rate` per second (0: as fast as they go); each envelope's time is when it was produced."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=0)
    await producer.start()
    sent = []
    try:
        start = time.monotonic()
        for i in range(count):
            if rate:
                await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
            event = JobStateChanged(job_id=uuid.uuid4(), tenant_id=tenant, vendor="modelarts", vendor_job_id="v",
                                    from_status=JobStatus.QUEUED, to_status=JobStatus.RUNNING, raw_status="Running",
                                    vendor_time=None, observed_at=datetime.now(UTC), sequence=2)
            envelope = Envelope(source="bench", data=event)
            await producer.send(topic, envelope.kafka_body(), key=envelope.subject.encode(),
                                headers=[(k, v.encode()) for k, v in envelope.kafka_headers().items()])
            sent.append(envelope)
        await producer.flush()
    finally:
        await producer.stop()
    return sent



# --- the limit: the notifier's HTTP client alone, posting the same signed bodies

async def raw_posts(pool: asyncpg.Pool, settings: NotifierSettings) -> tuple[int, int, float, float]:
    """Post every webhook body the notifier delivered once more, to its endpoint, signed with its secret, as
    `Senders` does (headers signed per attempt), with at most `notifier_concurrency` posts in flight and
    `notifier_target_concurrency` per endpoint. Returns (posts, 2xx answers, seconds first post to last answer,
    this process's CPU seconds meanwhile).
    No queue, no claims, no recording: what one process's HTTP client and signing alone sustain."""
    rows = await pool.fetch("""SELECT d.id, d.body, e.url, e.secret FROM notifier.deliveries d
                               JOIN notifier.endpoints e ON e.id = d.endpoint_id
                               WHERE d.status = 'delivered' ORDER BY d.created_at, d.id""")
    http = HttpClient(user_agent="Switchyard-Webhooks/1", max_idle_per_origin=settings.notifier_target_concurrency)
    per_target = defaultdict(lambda: asyncio.Semaphore(settings.notifier_target_concurrency))
    pending = iter(rows)  # in fan-out order, as the notifier claims them: consecutive rows, other endpoints
    ok = [0]

    async def worker() -> None:  # one of `notifier_concurrency` slots
        for row in pending:
            async with per_target[row["url"]]:
                headers = signing.signed_headers((row["secret"],), str(row["id"]), row["body"], datetime.now(UTC))
                async with asyncio.timeout(settings.webhook_timeout_s):
                    response = await http.post(row["url"], row["body"].encode(), headers)
                ok[0] += 200 <= response.status < 300

    started, cpu = time.monotonic(), time.process_time()
    try:
        await asyncio.gather(*(worker() for _ in range(settings.notifier_concurrency)))
    finally:
        http.close()
    return len(rows), ok[0], time.monotonic() - started, time.process_time() - cpu


async def run(rate: float, count: int, replicas: int) -> None:
    settings = get_settings()
    notifier_settings = NotifierSettings()
    database, url = await create_scratch_database(settings.database_url, "bench_notify")
    prefix = f"benchn{uuid.uuid4().hex[:8]}."
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    await admin.create_topics([NewTopic(prefix + t, num_partitions=settings.kafka_partitions, replication_factor=1)
                               for t in ALL_TOPICS])
    log_dir = Path(f"/tmp/switchyard-bench-notify-{prefix.rstrip('.')}")
    log_dir.mkdir()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("SWITCHYARD_")},
           "PYTHONPATH": str(ROOT), "SWITCHYARD_DATABASE_URL": url, "SWITCHYARD_TOPIC_PREFIX": prefix,
           "SWITCHYARD_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
           "SWITCHYARD_WEBHOOK_ALLOW_PRIVATE": "true", "SWITCHYARD_LOG_LEVEL": "WARNING"}
    processes: list[subprocess.Popen] = []
    receiver, parent = None, None
    try:
        parent, child = multiprocessing.Pipe()
        receiver = multiprocessing.get_context("spawn").Process(target=receive, args=(ENDPOINTS - 1, child))
        receiver.start()
        if not parent.poll(30):
            raise RuntimeError("the receivers did not start")
        ports, dead_port = parent.recv()
        for i in range(replicas):
            port = free_port()
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "services.notifier"], cwd=ROOT, stdout=open(log_dir / f"notifier-{i}.log", "ab"),
                stderr=subprocess.STDOUT, env=env | {"SWITCHYARD_NOTIFIER_URL": f"http://127.0.0.1:{port}"}))
            await wait_healthy(port, processes[-1])
        tenant = uuid.uuid4()
        endpoints, secrets = {}, {}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            for p in [*ports, dead_port]:
                # One tenant with more endpoints than the default cap allows: its limit in force is passed as the
                # gateway passes a tenant's override.
                created = (await client.post(f"/internal/tenants/{tenant}/webhooks", json={
                    "url": f"http://127.0.0.1:{p}/hook", "event_types": ["job.running"]},
                    params={"max_webhooks_per_tenant": ENDPOINTS})).json()
                endpoints[p], secrets[p] = uuid.UUID(created["id"]), created["secret"]
        parent.send(secrets)

        offered = f"{rate:g} events/s for {count / rate:g} s" if rate else f"{count} events at once"
        print(f"load: {offered}, each to {ENDPOINTS} endpoints (1 never answers, "
              f"timeout 15 s); {replicas} notifier replica(s); PostgreSQL, Kafka and the receivers on the same box")
        cpu_before = cpu_times(processes)
        started = time.time()
        envelopes = await produce(settings.kafka_bootstrap_servers, prefix + JOBS_EVENTS, tenant, rate, count)
        healthy = {delivery_id(e.id, endpoints[p]): e.time.timestamp() for e in envelopes for p in ports}
        deadline = time.monotonic() + 60
        pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
        while time.monotonic() < deadline:
            done = await pool.fetchval("SELECT count(*) FROM notifier.deliveries WHERE status = 'delivered'")
            if done >= len(healthy):
                break
            await asyncio.sleep(0.5)
        cpu_used = {k: v - cpu_before.get(k, 0) for k, v in cpu_times(processes).items()}
        notifier_done = time.time()
        raw_count, raw_ok, raw_s, raw_cpu = await raw_posts(pool, notifier_settings)
        dead = await pool.fetchrow("""SELECT count(*) FILTER (WHERE attempts > 0) AS attempted, count(*) AS queued,
                                             max(attempts) AS most FROM notifier.deliveries WHERE endpoint_id = $1""",
                                   endpoints[dead_port])
        breaker = await pool.fetchrow("SELECT * FROM notifier.target_health WHERE target_id = $1", endpoints[dead_port])
        await pool.close()
        parent.send("stop")
        if not parent.poll(60):
            raise RuntimeError("the receivers did not report")
        arrivals, checked = parent.recv()
        elapsed = notifier_done - started

        # The raw loop's posts came after `notifier_done`, with the same webhook-ids: they are not the notifier's.
        arrivals = [(i, t) for i, t in arrivals if t < notifier_done and uuid.UUID(i) in healthy]
        latencies = sorted(t - healthy[uuid.UUID(i)] for i, t in arrivals)
        unique = len({i for i, _ in arrivals})
        first, last = min(t for _, t in arrivals), max(t for _, t in arrivals)
        throughput = unique / (last - first)
        raw_rate = raw_ok / raw_s
        print(f"delivered: {unique} of {len(healthy)} healthy deliveries ({len(arrivals) - unique} repeats), "
              f"{checked} signatures verified by standardwebhooks (over both runs)")
        print(f"throughput: {throughput:,.0f} deliveries/s (first to last arrival, {last - first:.1f} s)"
              + ("" if not rate else f"; {rate * (ENDPOINTS - 1):,.0f}/s offered"))
        print(f"limit, the raw HTTP client: {raw_ok} of {raw_count} posts answered 2xx in {raw_s:.1f} s = "
              f"{raw_rate:,.0f} posts/s ({notifier_settings.notifier_concurrency} in flight, "
              f"{notifier_settings.notifier_target_concurrency} per endpoint); "
              f"ratio {beside_limit(throughput, raw_rate):.2f}")
        notifier_cpu = sum(v for k, v in cpu_used.items() if k.startswith("notifier-"))
        print(f"CPU per delivery: notifier {notifier_cpu / unique * 1e3:.2f} ms (its process: claims, signing, "
              f"posting, recording), raw client {raw_cpu / max(raw_count, 1) * 1e3:.2f} ms "
              f"(signing and posting); ratio {beside_limit(raw_cpu / max(raw_count, 1), notifier_cpu / unique):.2f}")
        print(f"latency event->delivery: p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
              f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms, p99 {percentile(latencies, 0.99) * 1000:.0f} ms, "
              f"max {latencies[-1] * 1000:.0f} ms")
        print(f"dead endpoint: {dead['queued']} queued, {dead['attempted']} attempted, breaker "
              f"{'open until ' + breaker['open_until'].isoformat() if breaker and breaker['open_until'] else 'closed'}")
        print(f"CPU seconds over {elapsed:.0f} s: " + ", ".join(f"{k} {v:.1f}" for k, v in cpu_used.items()))
        print(f"RESULT name=notify_deliveries_per_s figure={throughput:.0f} limit={raw_rate:.0f} "
              f"ratio={beside_limit(throughput, raw_rate):.3f}")
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        if receiver is not None:
            receiver.kill()
            receiver.join(5)
        with contextlib.suppress(Exception):
            await admin.delete_topics([prefix + t for t in ALL_TOPICS])
        await admin.close()
        await drop_database(settings.database_url, database)


async def wait_healthy(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError("the notifier exited")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"http://127.0.0.1:{port}/healthz", timeout=1)).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise TimeoutError("the notifier did not become healthy")


def cpu_times(processes: list[subprocess.Popen]) -> dict[str, float]:
    """CPU seconds (user + system) used so far by the notifiers, PostgreSQL and Kafka."""
    tick = os.sysconf("SC_CLK_TCK")

    def of(pid: int) -> float:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / tick
        return 0.0

    times = {f"notifier-{i}": of(p.pid) for i, p in enumerate(processes)}
    postgres = kafka = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                cmdline = (entry / "cmdline").read_bytes()
                if cmdline.startswith(b"postgres"):
                    postgres += of(int(entry.name))
                elif b"kafka.Kafka" in cmdline:
                    kafka += of(int(entry.name))
    return times | {"postgres (every session on the box)": postgres, "kafka": kafka}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=25.0,
                        help="events per second (each to 100 endpoints); 0: --events all at once")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--events", type=int, default=120, help="with --rate 0: how many")
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--short", action="store_true", help="60 events at once (about 35 s in all)")
    args = parser.parse_args()
    if args.short:
        args.rate, args.events = 0, 60
    print_header("notify_throughput: webhook deliveries per second, the notifier beside the raw HTTP client")
    count = args.events if args.rate == 0 else int(args.rate * args.seconds)
    asyncio.run(run(args.rate, count, args.replicas))


if __name__ == "__main__":
    main()
