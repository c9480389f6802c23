"""What the placement and watching benchmarks share: the four vendor simulators as subprocesses (large
capacity, 127.0.0.1 only), a scratch database, and small measuring helpers.

`python -m benchmarks.placement_common sim <vendor> <port> [simulator options]` runs one simulator the
way `python -m services.vendorsim` does, except that AI Space gets one CPU package with `--bench-nodes`
nodes (its capacity is its packages, which the command line cannot set). With
`SWITCHYARD_BENCH_PROFILE=<dir>` set, each simulator runs under cProfile and writes
`<dir>/sim-<vendor>.prof` when it stops (to find where a simulator spends its time).
"""

import argparse
import dataclasses
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import uvicorn

from benchmarks.measure import free_port
from services.vendorsim import available_simulators

ROOT = Path(__file__).resolve().parents[1]
ENDPOINT_ENV = "SWITCHYARD_{}_ENDPOINT"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process used so far (/proc/<pid>/stat): what a run cost it, whatever else
    shared the machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sim_args(vendor: str, capacity: int, pending_s: float) -> list[str]:
    """Options giving `vendor` room for `capacity` jobs that wait `pending_s` before they run."""
    return {
        "modelarts": ["--capacity", str(capacity), "--creating-s", "0", "--pending-s", str(pending_s)],
        "caip": ["--flavor-replicas", str(capacity), "--pending-s", str(pending_s)],
        "qizhi": ["--capacity", str(capacity), "--created-s", "0", "--queue-s", str(pending_s),
                  "--creating-s", "0"],
        "aispace": ["--bench-nodes", str(capacity), "--pending-s", str(pending_s)],
    }[vendor]


def start_simulators(vendors: list[str], capacity: int, pending_s: float, log_dir: Path) -> list[subprocess.Popen]:
    """One subprocess per simulator; points this process's adapters at them (env) and waits until they answer."""
    processes = []
    for vendor in vendors:
        port = free_port()
        log = open(log_dir / f"sim-{vendor}.log", "wb")
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "benchmarks.placement_common", "sim", vendor, str(port),
             *sim_args(vendor, capacity, pending_s)],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(ROOT)}))
        os.environ[ENDPOINT_ENV.format(vendor.upper())] = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    for vendor in vendors:
        url = os.environ[ENDPOINT_ENV.format(vendor.upper())]
        while True:
            try:
                httpx.get(url + "/_sim/faults", timeout=1.0)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"simulator {vendor} did not start; see {log_dir}") from None
                time.sleep(0.2)
    return processes


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _run_simulator(argv: list[str]) -> None:
    vendor, port, *rest = argv
    module = available_simulators()[vendor]
    parser = argparse.ArgumentParser()
    module.add_cli_arguments(parser)
    parser.add_argument("--bench-nodes", type=int, default=None)
    args = parser.parse_args(rest)
    config = module.config_from_cli(args)
    if vendor == "aispace" and args.bench_nodes:
        from services.vendorsim.aispace.config import StartingPackage
        config = dataclasses.replace(config, packages=(
            StartingPackage("standardCpu", "bench-cpu", args.bench_nodes, args.bench_nodes * 1000, 1_800_000),))
    app = module.create_app(config)
    profile_dir = os.environ.get("SWITCHYARD_BENCH_PROFILE")
    if not profile_dir:
        uvicorn.run(app, host="127.0.0.1", port=int(port), log_level="warning", access_log=False)
        return
    import cProfile
    import signal
    # uvicorn re-raises the SIGTERM it handled once it has shut down; ignore it then, so the profile is written.
    signal.signal(signal.SIGTERM, lambda *_: None)
    with cProfile.Profile() as profile:
        uvicorn.run(app, host="127.0.0.1", port=int(port), log_level="warning", access_log=False)
    profile.dump_stats(Path(profile_dir) / f"sim-{vendor}.prof")


if __name__ == "__main__" and sys.argv[1:2] == ["sim"]:
    _run_simulator(sys.argv[2:])
