"""The public API under HTTP load (`hey`, from Debian's package), beside its limit: the trivial route of
the same app (`GET /healthz`: no authentication, no database) measured the same way in the same run.

The whole stack runs as real processes (the four simulators with room for every job, the five services,
a scratch database and topic prefix). Each route is measured twice, idle and then while the stack is
placing and watching `--busy-jobs` jobs:
- at its maximum rate (`hey -c 16` for `--seconds`): requests/s and p99;
- at a steady offered rate (200 req/s for a job and for the trivial route, 100 req/s for the 50-job listing): p99.
`POST /v1/jobs` is measured last in each phase, at its maximum rate, counting only 202 answers (the jobs it makes
are placed meanwhile).

    PYTHONPATH=. .venv/bin/python -m benchmarks.api_load [--seconds 10] [--busy-jobs 2000]
"""

import argparse
import asyncio
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks.measure import beside_limit, print_header
from benchmarks.placement_common import sim_args
from services.cli import create_topics
from services.common.settings import get_settings
from tests.e2e.stack import SIMULATORS, Stack, free_port, stack_env
from tests.scratch_db import create_scratch_database, drop_database

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("billing", "notifier", "scheduler", "watcher", "gateway")
CONCURRENCY = 16
ADMIN_TOKEN = "bench-admin-token"


@dataclass
class Run:
    rate: float  # answered requests/s (only `ok` statuses)
    p99_ms: float
    statuses: dict[int, int]


def hey(url: str, seconds: float, *, key: str | None = None, rate: float | None = None, method: str = "GET",
        body: Path | None = None, ok: int = 200) -> Run:
    args = ["hey", "-z", f"{seconds}s", "-c", str(CONCURRENCY), "-m", method]
    if rate:
        args += ["-q", f"{rate / CONCURRENCY:.3f}"]  # hey's -q is per worker
    if key:
        args += ["-H", f"Authorization: Bearer {key}"]
    if body:
        args += ["-T", "application/json", "-D", str(body)]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    total_s = float(re.search(r"Total:\s+([\d.]+) secs", out).group(1))
    p99 = re.search(r"99%+ in ([\d.]+) secs", out)
    statuses = {int(code): int(n) for code, n in re.findall(r"\[(\d+)\]\s+(\d+) responses", out)}
    return Run(rate=statuses.get(ok, 0) / total_s, p99_ms=float(p99.group(1)) * 1000 if p99 else float("nan"),
               statuses=statuses)


class BenchStack(Stack):
    """The e2e stack, with simulators that have room for every job of the run."""

    capacity = 20_000

    def command(self, name: str) -> list[str]:
        if name in SIMULATORS:
            return [sys.executable, "-m", "benchmarks.placement_common", "sim", name, str(self.ports[name]),
                    *sim_args(name, self.capacity, pending_s=1.0)]
        return super().command(name)


def training(name: str, run_s: int) -> dict:
    return {"kind": "training", "name": name, "image": "swr.example/bench:1", "command": "python train.py",
            "resources": {"accelerator": "ascend-910b", "count": 1},
            "env": {"SWITCHYARD_SIM_RUN_SECONDS": str(run_s)}, "max_runtime_s": 3600}


def submit_many(gateway: str, key: str, count: int, run_s: int) -> None:
    with httpx.Client(base_url=gateway, headers={"Authorization": f"Bearer {key}"}, timeout=30) as client:
        def one(i: int) -> None:
            client.post("/v1/jobs", json=training(f"busy-{i}", run_s)).raise_for_status()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(one, range(count)))


def measure(gateway: str, key: str, job_id: str, seconds: float, job_body: Path) -> dict[str, Run]:
    """Each route at its maximum rate and at a steady one, the trivial route too: its p99 at 200 req/s is what the
    box and hey's own bursts (every worker ticks at once) give any route at that rate."""
    runs = {
        "GET /healthz (limit)": hey(f"{gateway}/healthz", seconds),
        "GET /healthz @200/s (limit)": hey(f"{gateway}/healthz", seconds, rate=200),
        "GET /v1/jobs/{id}": hey(f"{gateway}/v1/jobs/{job_id}", seconds, key=key),
        "GET /v1/jobs/{id} @200/s": hey(f"{gateway}/v1/jobs/{job_id}", seconds, key=key, rate=200),
        "GET /v1/jobs?limit=50": hey(f"{gateway}/v1/jobs?limit=50", seconds, key=key),
        "GET /v1/jobs?limit=50 @100/s": hey(f"{gateway}/v1/jobs?limit=50", seconds, key=key, rate=100),
        "GET /v1/balance": hey(f"{gateway}/v1/balance", seconds, key=key),
        # Last: the jobs it makes are placed meanwhile and after (accepted is all it counts).
        "POST /v1/jobs": hey(f"{gateway}/v1/jobs", seconds, key=key, method="POST", body=job_body, ok=202),
    }
    return runs


def report(phase: str, runs: dict[str, Run]) -> None:
    limit = runs["GET /healthz (limit)"].rate
    print(f"\n{phase}")
    print(f"{'route':34} {'req/s':>8} {'p99 ms':>8} {'ratio':>6}  statuses")
    for name, run in runs.items():
        print(f"{name:34} {run.rate:8.0f} {run.p99_ms:8.1f} {beside_limit(run.rate, limit):6.2f}  {run.statuses}")
    for name, run in runs.items():
        if "@" not in name and "(limit)" not in name:
            slug = re.sub(r"[^a-z0-9]+", "_", f"api {phase} {name}".lower()).strip("_")
            print(f"RESULT name={slug} figure={run.rate:.0f} limit={limit:.0f} ratio={beside_limit(run.rate, limit):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each hey run")
    parser.add_argument("--busy-jobs", type=int, default=2000, help="jobs the stack places and watches meanwhile")
    args = parser.parse_args()
    if shutil.which("hey") is None:
        subprocess.run(["bash", str(ROOT / "infra" / "tools.sh"), "hey"], check=True)

    print_header("public API under load (hey)")
    settings = get_settings()
    name, database_url = asyncio.run(create_scratch_database(settings.database_url, "sy_bench_api"))
    prefix = f"bench{uuid.uuid4().hex[:8]}."
    asyncio.run(create_topics(prefix=prefix))
    ports = {s: free_port() for s in (*SIMULATORS, *SERVICES)}
    env = stack_env(database_url, settings.kafka_bootstrap_servers, prefix, ports)
    env.update(SWITCHYARD_ADMIN_TOKEN=ADMIN_TOKEN, SWITCHYARD_LOG_LEVEL="WARNING")
    stack = BenchStack(env=env, log_dir=Path(tempfile.mkdtemp(prefix="switchyard-bench-api-")), ports=ports)
    try:
        for service in (*SIMULATORS, *SERVICES):
            stack.start(service)
        for service in ("billing", "notifier", "scheduler"):  # the watcher serves no HTTP
            stack.wait_healthy(service)
        stack.wait_healthy("gateway", "/readyz")
        gateway = stack.gateway
        admin = httpx.Client(base_url=gateway, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=30)
        tenant = admin.post("/v1/admin/tenants", json={"name": "bench"}).json()
        admin.post(f"/v1/admin/tenants/{tenant['id']}/credit", json={"amount": "10000000.00"}).raise_for_status()
        key = tenant["api_key"]
        submit_many(gateway, key, 60, run_s=30)  # the listing's 50 items
        client = httpx.Client(base_url=gateway, headers={"Authorization": f"Bearer {key}"}, timeout=30)
        job_id = client.get("/v1/jobs", params={"limit": 1}).json()["items"][0]["id"]

        job_body = Path(stack.log_dir) / "job.json"
        job_body.write_text(json.dumps(training("posted", 30)))
        report("idle", measure(gateway, key, job_id, args.seconds, job_body))

        print(f"\nsubmitting {args.busy_jobs} jobs for the busy phase ...", flush=True)
        started = time.monotonic()
        submit_many(gateway, key, args.busy_jobs, run_s=int(args.seconds * 8 + 60))
        print(f"submitted in {time.monotonic() - started:.1f} s")
        report(f"busy ({args.busy_jobs} jobs placing and watching)",
               measure(gateway, key, job_id, args.seconds, job_body))
    finally:
        stack.stop_all()
        asyncio.run(drop_database(settings.database_url, name))


if __name__ == "__main__":
    main()
