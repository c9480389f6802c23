"""A simulated job's resource use: one value a minute for CPU, memory and the accelerator the job runs on, the same
for the same job and the same time into its run.

Every simulator whose vendor documents a job metrics API serves what `run_metrics` makes, named as that vendor
names its metrics. A value is the minute's average in percent; the first minute of a run is its warm-up (loading
the image and the data: the CPU busy, the accelerator hardly), then the accelerator stays busy with a little noise
of the job's own. A metric the job's hardware does not have is `None` (no data; ModelArts answers -1).
Nothing here reads a clock: the caller says how long the job has run.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from typing import Literal

Accelerator = Literal["gpu", "npu", "none"]
METRICS = ("cpu_usage", "mem_usage", "accel_util", "accel_mem_usage")
MINUTE_S = 60.0

# (warm-up level, steady level) in percent, before the job's noise
_LEVELS = {"cpu_usage": (70.0, 35.0), "mem_usage": (30.0, 55.0), "accel_util": (10.0, 85.0),
           "accel_mem_usage": (20.0, 70.0)}
_NOISE = 8.0  # percentage points either side


@dataclass(frozen=True)
class RunUse:
    """What the resource use depends on: the job and the hardware it runs on."""

    job_id: str
    accelerator: Accelerator
    run_s: float  # how long the run lasts when nothing stops it


def minutes_measured(run: RunUse, elapsed_s: float, *, stopped_after_s: float | None = None) -> int:
    """The minutes of the run that have started by `elapsed_s` (each one is measured as it goes): none before the
    run started, at most those of the run's own length (or up to its stop)."""
    if elapsed_s < 0:
        return 0
    end_s = run.run_s if stopped_after_s is None else min(run.run_s, stopped_after_s)
    until = min(elapsed_s, end_s)
    return max(1, math.ceil(until / MINUTE_S))


def _value(run: RunUse, metric: str, minute: int) -> float:
    warm, steady = _LEVELS[metric]
    level = warm if minute == 0 else steady
    noise = (zlib.crc32(f"{run.job_id}:{metric}:{minute}".encode()) % 1000) / 1000 - 0.5
    return round(min(100.0, max(0.0, level + 2 * _NOISE * noise)), 2)


def run_metrics(run: RunUse, elapsed_s: float, *,
                stopped_after_s: float | None = None) -> dict[str, list[float | None]]:
    """Each metric of `METRICS`, one value per started minute of the run by `elapsed_s` (oldest first); `None`
    for an accelerator metric of a job without one."""
    minutes = minutes_measured(run, elapsed_s, stopped_after_s=stopped_after_s)
    return {metric: [None if metric.startswith("accel") and run.accelerator == "none" else _value(run, metric, i)
                     for i in range(minutes)]
            for metric in METRICS}
