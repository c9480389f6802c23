"""What the billing benchmarks share: a scratch database and topic prefix, seeded tenants and running
jobs, a backlog of UsageMinute events produced straight to Kafka, and billing as a real process.

Everything runs against 127.0.0.1 (PostgreSQL :55432, Kafka :9092 unless DATABASE_URL /
KAFKA_BOOTSTRAP_SERVERS say otherwise); every wait is bounded.
"""

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from benchmarks import billing_raw
from benchmarks.measure import free_port
from contracts.billing import BILLING_USAGE, UsageMinute
from contracts.topics import ALL_TOPICS, BILLING_EVENTS
from services.billing import commands  # credit and purchase seed the tenants
from services.billing import ledger
from services.billing.policy import Policy
from services.common.db import create_pool
from services.common.settings import get_settings
from tests.scratch_db import create_scratch_database, drop_database

ROOT = Path(__file__).resolve().parents[1]
VENDOR_PER_HOUR = 30_000_000  # sells at 36.00/h: 0.60 a minute
PER_MINUTE = 600_000
VENDOR_PER_MINUTE = 500_000
CREDIT = 1_000_000_000  # 1000.00 per tenant: never runs out in a benchmark
PACKAGE_SECONDS = 1000 * 3600  # 1000 card-hours: covers every minute of its tenant's jobs


BENCH_APPLICATION = "switchyard-bench"  # this process's own connections, left out of the CPU counted


def with_application_name(url: str, name: str) -> str:
    """The URL with an application_name the server shows in pg_stat_activity (asyncpg passes unknown
    query parameters on as server settings)."""
    return f"{url}{'&' if '?' in url else '?'}application_name={name}"


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Bench:
    admin_url: str
    database: str
    url: str
    prefix: str
    bootstrap: str
    pool: asyncpg.Pool
    log_dir: Path
    jobs: list[tuple[uuid.UUID, uuid.UUID, datetime]] = field(default_factory=list)  # (job, tenant, started_at)
    covered_tenants: set[uuid.UUID] = field(default_factory=set)
    processes: list[subprocess.Popen] = field(default_factory=list)

    @classmethod
    async def create(cls, name: str, usage_partitions: int | None = None) -> "Bench":
        settings = get_settings()
        database, url = await create_scratch_database(settings.database_url, f"bench_{name}")
        prefix = f"bench{uuid.uuid4().hex[:8]}."
        admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
        await admin.start()
        try:
            await admin.create_topics([NewTopic(prefix + t, num_partitions=settings.kafka_partitions,
                                                replication_factor=1) for t in ALL_TOPICS if t != BILLING_USAGE])
            await admin.create_topics([NewTopic(prefix + BILLING_USAGE, replication_factor=1,
                                                num_partitions=usage_partitions or settings.kafka_partitions)])
        finally:
            await admin.close()
        pool = await create_pool(with_application_name(url, BENCH_APPLICATION), max_size=4)
        log_dir = Path(f"/tmp/switchyard-bench-{name}-{prefix.rstrip('.')}")
        log_dir.mkdir(parents=True, exist_ok=True)
        return cls(settings.database_url, database, url, prefix, settings.kafka_bootstrap_servers, pool, log_dir)

    async def close(self) -> None:
        self.stop_billing()
        await self.pool.close()
        await drop_database(self.admin_url, self.database)
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        await admin.start()
        try:
            await admin.delete_topics([t for t in await admin.list_topics() if t.startswith(self.prefix)])
        finally:
            await admin.close()

    # --- seeding ------------------------------------------------------------------------------

    async def seed(self, *, tenants: int, jobs: int, started_at, next_minute: int, next_minute_at,
                   covered_share: float = 0.25) -> None:
        """`tenants` tenants with 1000.00 each, a share of them with a card-hour package that covers
        their jobs; `jobs` running ascend-910b jobs (1 card, 0.60 a minute), spread over the tenants.
        `started_at(i)` / `next_minute_at(i)` place job i's clock and the meter's position."""
        tenant_ids = [uuid.uuid4() for _ in range(tenants)]
        policy = Policy()
        for tenant_id in tenant_ids:
            await commands.credit(self.pool, tenant_id, CREDIT, policy)
        offer_id = uuid.uuid4()
        await self.pool.execute(
            """INSERT INTO billing.package_offers (id, name, unit, accelerator, quantity, price, valid_days)
               VALUES ($1, 'bench', 'card_seconds', 'ascend-910b', $2, 100000000, 30)""", offer_id, PACKAGE_SECONDS)
        self.covered_tenants = set(tenant_ids[:int(tenants * covered_share)])
        for tenant_id in self.covered_tenants:
            await commands.purchase(self.pool, tenant_id, offer_id, policy, key=None, render=dict)
        self.jobs = [(uuid.uuid4(), tenant_ids[i % tenants], started_at(i)) for i in range(jobs)]
        await self.pool.execute(
            """INSERT INTO billing.metered_jobs (job_id, tenant_id, vendor, flavor, accelerator, count,
                   vendor_price_per_hour, price_per_hour, price_per_minute, vendor_cost_per_minute, state,
                   submitted_at, started_at, next_minute, next_minute_at)
               SELECT j, t, 'modelarts', 'modelarts.vm.snt9.1card', 'ascend-910b', 1, $4, $5, $6, $7, 'running',
                      s, s, $8, n
               FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $9::timestamptz[]) AS x(j, t, s, n)""",
            [j for j, _, _ in self.jobs], [t for _, t, _ in self.jobs], [s for _, _, s in self.jobs],
            VENDOR_PER_HOUR, VENDOR_PER_HOUR * 6 // 5, PER_MINUTE, VENDOR_PER_MINUTE, next_minute,
            [next_minute_at(i) for i in range(jobs)])

    async def produce_backlog(self, minutes: int) -> float:
        """minutes x jobs UsageMinute events on the usage topic, minute by minute (as a meter would
        have announced them while the rater was away). Returns the seconds it took."""
        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, linger_ms=50, max_batch_size=1 << 20,
                                    enable_idempotence=True)
        await producer.start()
        topic, start = self.prefix + BILLING_USAGE, time.perf_counter()
        try:
            pending = []
            for minute in range(minutes):
                for job_id, tenant_id, started_at in self.jobs:
                    event = UsageMinute(job_id=job_id, tenant_id=tenant_id, minute=minute,
                                        minute_at=started_at + timedelta(minutes=minute))
                    headers = [("ce_specversion", b"1.0"), ("ce_id", str(uuid.uuid4()).encode()),
                               ("ce_type", UsageMinute.TYPE.encode()), ("ce_source", b"switchyard/billing"),
                               ("ce_time", datetime.now(UTC).isoformat().encode()),
                               ("ce_subject", str(job_id).encode()), ("ce_tenantid", str(tenant_id).encode()),
                               ("content-type", b"application/json")]
                    pending.append(await producer.send(topic, event.model_dump_json().encode(),
                                                       key=str(tenant_id).encode(), headers=headers))
                    if len(pending) >= 20_000:
                        await asyncio.gather(*pending)
                        pending.clear()
            await asyncio.gather(*pending)
        finally:
            await producer.stop()
        return time.perf_counter() - start

    # --- billing as a process -----------------------------------------------------------------

    def start_billing(self, **env: str) -> None:
        environment = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SWITCHYARD_")},
            "PYTHONPATH": str(ROOT), "SWITCHYARD_DATABASE_URL": self.url,
            "SWITCHYARD_KAFKA_BOOTSTRAP_SERVERS": self.bootstrap, "SWITCHYARD_TOPIC_PREFIX": self.prefix,
            "SWITCHYARD_BILLING_URL": f"http://127.0.0.1:{free_port()}", "SWITCHYARD_LOG_LEVEL": "WARNING",
            # benchmarks.instruments_cost runs billing with its spans exported
            "SWITCHYARD_OTEL_EXPORTER": os.environ.get("SWITCHYARD_OTEL_EXPORTER", "none"),
            **env,
        }
        log = open(self.log_dir / f"billing-{len(self.processes)}.log", "ab")
        self.processes.append(subprocess.Popen([sys.executable, "-m", "services.billing"], cwd=ROOT,
                                               env=environment, stdout=log, stderr=subprocess.STDOUT))

    def start_raw_consumer(self, *, consumers: int, batch: int, group: str = "raw") -> None:
        """The limit (benchmarks.billing_raw) as its own process, in a consumer group of its own over the
        same usage topic, writing into the scratch pair raw.charges / raw.outbox (create_raw_tables)."""
        log = open(self.log_dir / f"raw-{len(self.processes)}.log", "ab")
        self.processes.append(subprocess.Popen(
            [sys.executable, "-m", "benchmarks.billing_raw", "--dsn", self.url, "--bootstrap", self.bootstrap,
             "--topic", self.prefix + BILLING_USAGE, "--group", self.prefix + group, "--consumers", str(consumers),
             "--batch", str(batch), "--out-topic", self.prefix + BILLING_EVENTS],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=log, stderr=subprocess.STDOUT))

    async def create_raw_tables(self) -> None:
        await self.pool.execute(billing_raw.ddl())

    async def empty_raw_tables(self) -> None:
        await self.pool.execute(f"TRUNCATE {billing_raw.SCHEMA}.charges, {billing_raw.SCHEMA}.outbox")

    async def raw_charges(self) -> int:
        return await self.pool.fetchval(f"SELECT count(*) FROM {billing_raw.SCHEMA}.charges")

    def kill_billing(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        self.processes.clear()

    def stop_billing(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()

    async def charges(self) -> int:
        return await self.pool.fetchval("SELECT count(*) FROM billing.charges")

    async def wait_for_charges(self, target: int, timeout_s: float, *, every_s: float = 0.5,
                               stop_at: int | None = None, count=None,
                               cpu=None) -> tuple[int, list[tuple[float, int, float]]]:
        """Poll the charge count (or `count()`) until `target` (or `stop_at`, or the timeout); returns
        (count, samples of (time, count, CPU seconds so far by `cpu()`, or 0))."""
        deadline, samples = time.monotonic() + timeout_s, []
        while time.monotonic() < deadline:
            count_now = await (count or self.charges)()
            samples.append((time.perf_counter(), count_now, await cpu() if cpu else 0.0))
            if count_now >= target or (stop_at is not None and count_now >= stop_at):
                return count_now, samples
            if any(p.poll() is not None for p in self.processes):
                raise RuntimeError(f"a benchmarked process exited; see {self.log_dir}/*.log")
            await asyncio.sleep(every_s)
        return samples[-1][1], samples

    async def cpu_seconds(self) -> tuple[float, float]:
        """CPU seconds used so far by the benchmarked processes, and by the PostgreSQL backends serving
        the scratch database (but not this benchmark's own polling connections): what a rate costs,
        which moves far less than the rate itself on a machine others share."""
        backends = await self.pool.fetch(
            """SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name <> $1""",
            BENCH_APPLICATION)
        return (sum(_cpu_s(p.pid) for p in self.processes if p.poll() is None),
                sum(_cpu_s(row["pid"]) for row in backends))

    # --- checks -------------------------------------------------------------------------------

    async def check_ledger(self, minutes: int) -> list[str]:
        """Every figure the ledger must show after `minutes` minutes of every seeded job, to the
        micro-unit. Returns the mismatches (empty when exact)."""
        problems = []
        jobs_per_tenant: dict[uuid.UUID, int] = {}
        for _, tenant_id, _ in self.jobs:
            jobs_per_tenant[tenant_id] = jobs_per_tenant.get(tenant_id, 0) + 1
        paid_minutes = sum(n * minutes for t, n in jobs_per_tenant.items() if t not in self.covered_tenants)
        covered_minutes = len(self.jobs) * minutes - paid_minutes
        expect = {
            "charges": len(self.jobs) * minutes,
            "duplicate (job, minute)": 0,
            "revenue": paid_minutes * PER_MINUTE,
            "vendor cost": len(self.jobs) * minutes * VENDOR_PER_MINUTE,
            "card-seconds drawn": covered_minutes * 60,
            "UsageCharged in the outbox": len(self.jobs) * minutes,
            "unbalanced ledger transactions": 0,
            "accounts off their entries": 0,
            "packages off granted - drawn": 0,
            "tenant balances off credit - usage": 0,
        }
        q = self.pool.fetchval
        got = {
            "charges": await q("SELECT count(*) FROM billing.charges"),
            "duplicate (job, minute)": await q(
                "SELECT count(*) FROM (SELECT 1 FROM billing.charges GROUP BY job_id, minute, kind HAVING count(*) > 1) d"),
            "revenue": await q("SELECT coalesce(sum(amount), 0) FROM billing.ledger_entries WHERE account = 'revenue'"),
            "vendor cost": await q("SELECT coalesce(sum(vendor_cost), 0) FROM billing.charges"),
            "card-seconds drawn": await q("SELECT coalesce(sum(quantity), 0) FROM billing.package_draws"),
            "UsageCharged in the outbox": await q(
                "SELECT count(*) FROM billing.outbox WHERE headers->>'ce_type' = 'switchyard.usage.charged.v1'"),
            "unbalanced ledger transactions": await q(
                "SELECT count(*) FROM (SELECT 1 FROM billing.ledger_entries GROUP BY txn_id HAVING sum(amount) <> 0) u"),
            "accounts off their entries": await q(
                """SELECT count(*) FROM billing.accounts a
                   LEFT JOIN (SELECT account, sum(amount) s FROM billing.ledger_entries GROUP BY account) l USING (account)
                   WHERE a.balance <> coalesce(l.s, 0)"""),
            "packages off granted - drawn": await q(
                """SELECT count(*) FROM billing.packages p
                   LEFT JOIN (SELECT package_id, sum(quantity) q FROM billing.package_draws GROUP BY 1) d ON d.package_id = p.id
                   WHERE p.remaining <> p.granted - coalesce(d.q, 0)"""),
        }
        balances = {r["account"]: r["balance"] for r in await self.pool.fetch(
            "SELECT account, balance FROM billing.accounts WHERE account LIKE 'tenant:%'")}
        got["tenant balances off credit - usage"] = sum(
            1 for t, n in jobs_per_tenant.items()
            if balances[ledger.tenant_account(t)] != CREDIT - (100_000_000 if t in self.covered_tenants else 0)
            - (0 if t in self.covered_tenants else n * minutes * PER_MINUTE))
        for name, value in expect.items():
            if got[name] != value:
                problems.append(f"{name}: expected {value}, got {got[name]}")
        return problems

