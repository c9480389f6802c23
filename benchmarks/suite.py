"""Every benchmark at a short size, one after the other, and one table of what they printed: each figure, its
limit (the thinnest honest loop over the same work, measured in the same run) and their ratio.

    PYTHONPATH=. .venv/bin/python -m benchmarks.suite            # `make bench`: a few minutes
    PYTHONPATH=. .venv/bin/python -m benchmarks.suite --guard    # `make bench-guard`: the CI subset, checked

With `--guard`, only the benchmarks marked for it run, and each ratio is compared with its floor in
`benchmarks/floors.toml`: a ratio below its floor fails the run (exit 1). Ratios, not absolute figures:
both sides of a ratio run on the same box at the same time, so a shared or slow machine moves them far
less than it moves the figures themselves.

A benchmark reports a figure by printing `RESULT name=<name> figure=<x> limit=<y> ratio=<r>` (more `key=value`
may follow).
"""

import argparse
import os
import re
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from benchmarks.measure import print_header

ROOT = Path(__file__).resolve().parents[1]
FLOORS = Path(__file__).with_name("floors.toml")
RESULT = re.compile(r"^RESULT name=(\S+) figure=(\S+) limit=(\S+) ratio=(\S+)(?: \w+=\S+)*$", re.MULTILINE)


@dataclass(frozen=True)
class Benchmark:
    module: str
    args: tuple[str, ...]
    guard: bool  # part of the CI subset


BENCHMARKS = (
    Benchmark("benchmarks.billing_throughput", ("--jobs", "1000", "--minutes", "30"), guard=True),
    Benchmark("benchmarks.scheduler_throughput", ("--jobs", "1000"), guard=True),
    Benchmark("benchmarks.simulator_throughput", ("--jobs", "300"), guard=False),
    Benchmark("benchmarks.notify_throughput", ("--short",), guard=False),
    Benchmark("benchmarks.watcher_scale", ("--short",), guard=False),
    Benchmark("benchmarks.api_load", ("--seconds", "5", "--busy-jobs", "500"), guard=True),
)


@dataclass(frozen=True)
class Result:
    name: str
    figure: float
    limit: float
    ratio: float


def run(benchmark: Benchmark) -> tuple[list[Result], float, str]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", benchmark.module, *benchmark.args], cwd=ROOT,
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    output = done.stdout + done.stderr
    if done.returncode != 0:
        raise RuntimeError(f"{benchmark.module} exited with {done.returncode}:\n{output[-4000:]}")
    results = [Result(name, float(figure), float(limit), float(ratio))
               for name, figure, limit, ratio in RESULT.findall(done.stdout)]
    if not results:
        raise RuntimeError(f"{benchmark.module} printed no RESULT line:\n{output[-4000:]}")
    return results, time.monotonic() - started, output


def below_floor(results: list[Result], floors: dict[str, float]) -> list[str]:
    """The figures whose ratio fell below their floor, as lines to print; a figure with no floor is not checked."""
    return [f"{r.name}: ratio {r.ratio:.3f} < floor {floors[r.name]:.3f}"
            for r in results if r.name in floors and r.ratio < floors[r.name]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--guard", action="store_true", help="only the CI subset, each ratio checked against its floor")
    parser.add_argument("--only", action="append", default=[], help="run only this module (repeatable)")
    parser.add_argument("--verbose", action="store_true", help="print each benchmark's own output too")
    args = parser.parse_args()
    chosen = [b for b in BENCHMARKS if (not args.guard or b.guard) and (not args.only or b.module in args.only)]

    print_header("benchmark suite" + (" (regression guard)" if args.guard else ""))
    results: list[Result] = []
    for benchmark in chosen:
        print(f"running {benchmark.module} {' '.join(benchmark.args)} ...", flush=True)
        found, seconds, output = run(benchmark)
        if args.verbose:
            print(output)
        print(f"  {len(found)} figure(s) in {seconds:.0f} s", flush=True)
        results += found

    floors = tomllib.loads(FLOORS.read_text())["floors"] if FLOORS.exists() else {}
    print(f"\n{'figure':64} {'value':>10} {'limit':>10} {'ratio':>6} {'floor':>6}")
    for r in results:
        floor = f"{floors[r.name]:.2f}" if r.name in floors else "-"
        print(f"{r.name:64} {r.figure:10,.0f} {r.limit:10,.0f} {r.ratio:6.2f} {floor:>6}")
    if args.guard:
        failed = below_floor(results, floors)
        for line in failed:
            print(f"BELOW FLOOR {line}")
        sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
