"""A simulated job's output: believable lines, the same for the same job and the same time into its run.

Every simulator whose vendor documents a log API serves what `run_log` makes: a banner with the image and
the command, progress lines (`step 120/1000 loss 0.532`) as the run goes on, and, once it is over, an exit
line with the exit status (a failed run first raises an error; a stopped one is terminated by SIGTERM).
Nothing here reads a clock: the caller says how long the job has run.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

TOTAL_STEPS = 1000
MAX_PROGRESS_LINES = 200  # a long run reports less often, so its log stays a few pages


@dataclass(frozen=True)
class RunOutput:
    """What the output depends on: the job and how its run goes."""

    name: str
    image: str
    command: str
    run_s: float  # how long the run lasts when nothing stops it
    failed: bool  # the run ends with an error and a non-zero status


def _progress_interval(run_s: float) -> float:
    return max(1.0, run_s / MAX_PROGRESS_LINES)


def _loss(name: str, step: int) -> float:
    """Falls from about 2.3 towards 0.1, with a little noise of the job's own."""
    noise = (zlib.crc32(f"{name}:{step}".encode()) % 1000) / 1000 - 0.5
    return max(0.001, 0.1 + 2.2 * math.exp(-4.0 * step / TOTAL_STEPS) + 0.04 * noise)


def run_log(run: RunOutput, elapsed_s: float, *, stopped_after_s: float | None = None) -> list[str]:
    """The lines written by `elapsed_s` seconds into the run (none before it started: `elapsed_s` < 0).

    `stopped_after_s`: the run was stopped that long after it started (a terminate), which ends it early.
    """
    if elapsed_s < 0:
        return []
    end_s = run.run_s if stopped_after_s is None else min(run.run_s, stopped_after_s)
    stopped = stopped_after_s is not None and stopped_after_s < run.run_s
    until = min(elapsed_s, end_s)
    lines = [
        f"==> image: {run.image}",
        f"==> command: {run.command}",
        f"==> job {run.name} started ({TOTAL_STEPS} steps)",
    ]
    interval = _progress_interval(run.run_s)
    ticks = int(until / interval) if run.run_s > 0 else 0
    step = 0
    for tick in range(1, ticks + 1):
        step = min(TOTAL_STEPS, max(1, round(TOTAL_STEPS * tick * interval / run.run_s)))
        lines.append(f"step {step}/{TOTAL_STEPS} loss {_loss(run.name, step):.3f}")
    if elapsed_s < end_s:
        return lines
    if stopped:
        lines += ["received SIGTERM: stopping", "exit status 143"]
    elif run.failed:
        lines += [
            "Traceback (most recent call last):",
            '  File "train.py", line 88, in <module>',
            f"RuntimeError: loss is NaN after step {step} (simulated failure, SWITCHYARD_SIM_OUTCOME=failed)",
            "exit status 1",
        ]
    else:
        lines += [f"training finished: {TOTAL_STEPS}/{TOTAL_STEPS} steps", "exit status 0"]
    return lines
