"""What the instruments cost: the billing and placement benchmarks (short sizes) run with metrics and tracing
off (SWITCHYARD_METRICS=false, SWITCHYARD_OTEL_EXPORTER=none) and on (metrics served and sampled, spans exported
by batched OTLP/HTTP to a local receiver that counts what it gets), alternating, in one invocation; each side's
figure and its ratio to its own limit (measured in the same run), and the change.

    PYTHONPATH=. .venv/bin/python -m benchmarks.instruments_cost [--rounds 1]

The last lines are machine-readable: `RESULT name=instruments_<benchmark> figure=<ratio with them>
limit=<ratio without> ratio=<with / without>`.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

from benchmarks.measure import print_header
from tests.e2e.receiver import Receiver
from tests.e2e.stack import free_port

ROOT = Path(__file__).resolve().parents[1]
RESULT = re.compile(r"^RESULT name=(\S+) figure=(\S+) limit=(\S+) ratio=(\S+)", re.MULTILINE)
# Each benchmark by the name of the RESULT line it is judged by.
BENCHMARKS = {"billing": ("benchmarks.billing_throughput", "--jobs", "1000", "--minutes", "30"),
              "placement": ("benchmarks.scheduler_throughput", "--jobs", "1000")}
SIDES = {"off": {"SWITCHYARD_METRICS": "false", "SWITCHYARD_OTEL_EXPORTER": "none"},
         "on": {"SWITCHYARD_METRICS": "true", "SWITCHYARD_OTEL_EXPORTER": "otlp"}}


def run(name: str, args: tuple[str, ...], side: str, collector: Receiver) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **SIDES[side], "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": collector.url}
    done = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=1800)
    found = {result: (figure, ratio) for result, figure, _, ratio in RESULT.findall(done.stdout)}
    if done.returncode != 0 or name not in found:
        raise SystemExit(f"{' '.join(args)} ({side}) failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    figure, ratio = found[name]
    return float(figure), float(ratio)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="off/on pairs per benchmark")
    rounds = parser.parse_args().rounds
    print_header("instruments cost: metrics and tracing off, then on")
    collector = Receiver(port=free_port()).start()
    results = []
    try:
        for name, args in BENCHMARKS.items():
            sides: dict[str, list[tuple[float, float]]] = {side: [] for side in SIDES}
            for _ in range(rounds):
                for side in SIDES:
                    before = len(collector.requests)
                    figure, ratio = run(name, args, side, collector)
                    sides[side].append((figure, ratio))
                    print(f"{name} with the instruments {side}: {figure:,.0f}/s, {ratio:.2f} of its limit; "
                          f"{len(collector.requests) - before} OTLP exports received", flush=True)
            off = statistics.mean(r for _, r in sides["off"])
            on = statistics.mean(r for _, r in sides["on"])
            results.append((name, on, off))
            print(f"{name}: ratio to its limit {off:.2f} without the instruments, {on:.2f} with them "
                  f"({(on / off - 1) * 100:+.1f} %)", flush=True)
    finally:
        collector.stop()
    for name, on, off in results:
        print(f"RESULT name=instruments_{name} figure={on:.3f} limit={off:.3f} ratio={on / off:.3f}")


if __name__ == "__main__":
    main()
