"""Simulator throughput: each vendor simulator alone, its create (the adapter's training submit) in a loop.

For each vendor, one simulator subprocess with room for every job (`placement_common`), and in this process
the vendor's own adapter (`make_adapter`) submitting `--jobs` training jobs from `--clients` concurrent
loops over real HTTP. The adapter is the client because it is the cheapest correct one (its calls go
through `services/common/http1.py`: about 0.25 ms of CPU each) and it sends exactly what the scheduler
sends; the Qizhi adapter's client-side rate limit (5 calls/s by default) is lifted for this run, since the
simulator's rate is what is measured. Beside each figure, the same simulator's trivial route
(`GET /_sim/faults`, same app, same middleware, no vendor work) in the same kind of loop is its limit, and
the simulator's CPU share during the creates shows whether the simulator, not the client, set the pace (its
CPU per create, and the rate that allows on a core of its own, hold however busy the machine is).

    PYTHONPATH=. .venv/bin/python -m benchmarks.simulator_throughput [--jobs 3000] [--clients 8] [--vendors modelarts,caip]

Prints creates/s, p99 per call and the ratio to the trivial route per vendor, then one
`RESULT name=sim_<vendor>_creates figure=<creates/s> limit=<trivial req/s> ratio=<r>` line each.
Needs nothing but the simulators (no Kafka, no PostgreSQL); 127.0.0.1 only.
"""

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from pathlib import Path

from benchmarks.measure import beside_limit, percentile, print_header
from benchmarks.placement_common import ENDPOINT_ENV, cpu_seconds, start_simulators, stop
from services.common.http1 import HttpClient
from services.vendors import make_adapter
from services.vendors.base import SubmitRequest

VENDORS = ["modelarts", "caip", "qizhi", "aispace"]
TRIVIAL_CALLS = 3000


async def in_loops(count: int, clients: int, call) -> tuple[float, list[float]]:
    """`call(n)` for n in range(count) from `clients` concurrent loops: (elapsed s, latency per call)."""
    latencies: list[float] = []
    next_n = iter(range(count))

    async def loop() -> None:
        for n in next_n:
            began = time.monotonic()
            await call(n)
            latencies.append(time.monotonic() - began)

    started = time.monotonic()
    await asyncio.gather(*(loop() for _ in range(clients)))
    return time.monotonic() - started, latencies


async def trivial_rate(url: str, clients: int) -> float:
    client = HttpClient(user_agent="switchyard-bench")
    try:
        async def call(_: int) -> None:
            response = await client.request("GET", url, b"", {})
            assert response.status == 200, response.status
        await call(0)  # warm: connections open
        elapsed, _ = await in_loops(TRIVIAL_CALLS, clients, call)
        return TRIVIAL_CALLS / elapsed
    finally:
        client.close()


async def measure(vendor: str, jobs: int, clients: int, log_dir: Path) -> tuple[float, float, float, float]:
    """(creates/s, p99 s, trivial route req/s, simulator CPU share during the creates) for one vendor."""
    sims = start_simulators([vendor], capacity=jobs + 10, pending_s=3600, log_dir=log_dir)
    try:
        endpoint = os.environ[ENDPOINT_ENV.format(vendor.upper())]
        limit = await trivial_rate(endpoint + "/_sim/faults", clients)
        adapter = make_adapter(vendor)
        try:
            flavors = await adapter.list_flavors("training")
            flavor = next((f for f in flavors if f.accelerator == "cpu"), flavors[0])

            async def submit(_: int) -> None:
                await adapter.submit(SubmitRequest(
                    name=f"sy-{uuid.uuid4().hex}", kind="training", image="swr.example/team/pytorch:2.1",
                    command="python train.py", env={"SWITCHYARD_SIM_RUN_SECONDS": "3600"},
                    flavor_id=flavor.flavor_id))

            cpu_before = cpu_seconds(sims[0].pid)
            elapsed, latencies = await in_loops(jobs, clients, submit)
            sim_cpu = (cpu_seconds(sims[0].pid) - cpu_before) / elapsed
        finally:
            await adapter.aclose()
        return jobs / elapsed, percentile(latencies, 0.99), limit, sim_cpu
    finally:
        stop(sims)


async def run(vendors: list[str], jobs: int, clients: int) -> None:
    print_header("simulator throughput: the adapter's training submit against each simulator alone")
    print(f"jobs per vendor: {jobs}; concurrent clients: {clients}")
    os.environ["SWITCHYARD_QIZHI_RATE_PER_S"] = "1000000"  # the simulator's rate is measured, not our limit
    os.environ["SWITCHYARD_QIZHI_CONCURRENCY"] = str(clients)
    log_dir = Path(tempfile.mkdtemp(prefix="switchyard-bench-sim-"))
    results = []
    for vendor in vendors:
        rate, p99, limit, sim_cpu = await measure(vendor, jobs, clients, log_dir)
        ratio = beside_limit(rate, limit)
        results.append((vendor, rate, limit, ratio))
        print(f"{vendor}: {rate:.0f} creates/s (p99 {p99 * 1000:.1f} ms), simulator at {sim_cpu:.0%} of a core "
              f"({sim_cpu / rate * 1000:.2f} ms of its CPU per create: {rate / sim_cpu:.0f}/s on a core of its own); "
              f"trivial route of the same app {limit:.0f} req/s; ratio {ratio:.2f}")
    print(f"logs: {log_dir}")
    for vendor, rate, limit, ratio in results:
        print(f"RESULT name=sim_{vendor}_creates figure={rate:.0f} limit={limit:.0f} ratio={ratio:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=3000, help="creates per vendor")
    parser.add_argument("--clients", type=int, default=8, help="concurrent submit loops")
    parser.add_argument("--vendors", default=",".join(VENDORS))
    args = parser.parse_args()
    asyncio.run(run([v for v in args.vendors.split(",") if v], args.jobs, args.clients))


if __name__ == "__main__":
    main()
