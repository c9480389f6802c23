"""What exporting traces costs: the billing and placement benchmarks (short sizes) run with
SWITCHYARD_OTEL_EXPORTER=none and with =otlp (batched OTLP/HTTP to a local receiver that counts what it gets),
alternating, in one invocation; each side's figure and its ratio to its own limit (measured in the same run), and
the change. The metric families are always on, so both sides include them.

    PYTHONPATH=. .venv/bin/python -m benchmarks.tracing_cost [--rounds 1]

The last lines are machine-readable: `RESULT name=tracing_<benchmark> figure=<ratio with otlp>
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
BENCHMARKS = {"billing": ("benchmarks.billing_throughput", "--jobs", "1000", "--minutes", "30"),
              "placement": ("benchmarks.scheduler_throughput", "--jobs", "1000")}


def run(args: tuple[str, ...], exporter: str, collector: Receiver) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SWITCHYARD_OTEL_EXPORTER": exporter,
           "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": collector.url}
    done = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=1800)
    found = RESULT.findall(done.stdout)
    if done.returncode != 0 or not found:
        raise SystemExit(f"{' '.join(args)} ({exporter}) failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    _, figure, _, ratio = found[-1]
    return float(figure), float(ratio)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="off/on pairs per benchmark")
    rounds = parser.parse_args().rounds
    print_header("tracing cost")
    collector = Receiver(port=free_port()).start()
    results = []
    try:
        for name, args in BENCHMARKS.items():
            sides: dict[str, list[tuple[float, float]]] = {"none": [], "otlp": []}
            for _ in range(rounds):
                for exporter in ("none", "otlp"):
                    before = len(collector.requests)
                    figure, ratio = run(args, exporter, collector)
                    sides[exporter].append((figure, ratio))
                    print(f"{name} with exporter={exporter}: {figure:,.0f}/s, {ratio:.2f} of its limit; "
                          f"{len(collector.requests) - before} OTLP exports received", flush=True)
            off = statistics.mean(r for _, r in sides["none"])
            on = statistics.mean(r for _, r in sides["otlp"])
            results.append((name, on, off))
            print(f"{name}: ratio to its limit {off:.2f} without traces, {on:.2f} with them "
                  f"({(on / off - 1) * 100:+.1f} %)", flush=True)
    finally:
        collector.stop()
    for name, on, off in results:
        print(f"RESULT name=tracing_{name} figure={on:.3f} limit={off:.3f} ratio={on / off:.3f}")


if __name__ == "__main__":
    main()
