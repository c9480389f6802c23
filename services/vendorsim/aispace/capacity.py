"""What a resource package can hold at once, and who holds it when.

A compute package is one node of its spec (`specCPU` cores, `specGpu` cards, `specMemory` GB). Each activation of a
workload (a task run, a notebook pod, a deployed service) is a `Run` that asks for part of it; runs start first come
first served as soon as their demand fits beside the runs holding the package. Nothing advances in the background:
`Pool.advance(now)` replays the queue up to `now` from the runs' timestamps.
"""

import math
from dataclasses import dataclass

from services.vendorsim.steering import Outcome


@dataclass(frozen=True)
class Demand:
    cpu: int = 0
    gpu: int = 0
    memory_gb: int = 0

    def __add__(self, other: "Demand") -> "Demand":
        return Demand(self.cpu + other.cpu, self.gpu + other.gpu, self.memory_gb + other.memory_gb)

    def __sub__(self, other: "Demand") -> "Demand":
        return Demand(self.cpu - other.cpu, self.gpu - other.gpu, self.memory_gb - other.memory_gb)

    def times(self, factor: int) -> "Demand":
        return Demand(self.cpu * factor, self.gpu * factor, self.memory_gb * factor)

    def fits_in(self, capacity: "Demand") -> bool:
        return self.cpu <= capacity.cpu and self.gpu <= capacity.gpu and self.memory_gb <= capacity.memory_gb


@dataclass(eq=False)  # runs are told apart by identity: two runs can look alike
class Run:
    demand: Demand
    nodes: int  # node-units it consumes from the package's amount per unit of time
    requested_at: float
    ready_at: float  # earliest start (after the Pending time)
    run_s: float | None  # None: runs until stopped
    outcome: Outcome = Outcome.SUCCEEDED
    start_at: float | None = None
    stopped_at: float | None = None  # stop requested (a stop after the natural end changes nothing)

    @property
    def natural_end(self) -> float | None:
        if self.start_at is None or self.run_s is None:
            return None
        return self.start_at + self.run_s

    def released_at(self) -> float | None:
        """When it gives its share back; None while it may hold it forever."""
        ends = [t for t in (self.natural_end, self.stopped_at) if t is not None]
        return min(ends) if ends else None

    def started_by(self, now: float) -> bool:
        return self.start_at is not None and self.start_at <= now

    def holds_at(self, t: float) -> bool:
        release = self.released_at()
        return self.started_by(t) and (release is None or t < release)

    def was_stopped(self) -> bool:
        """Ended by a stop (before, or instead of, its natural end)."""
        end = self.natural_end
        return self.stopped_at is not None and (end is None or self.stopped_at < end)

    def seconds_run(self, now: float) -> float | None:
        """Time it has held its share by `now`; None if it has not started."""
        if self.start_at is None or self.start_at > now:
            return None
        release = self.released_at()
        until = now if release is None else min(now, release)
        return max(0.0, until - self.start_at)


class Pool:
    def __init__(self, capacity: Demand) -> None:
        self.capacity = capacity
        self._runs: list[Run] = []  # started
        self._waiting: list[Run] = []  # FIFO
        self._last_start = 0.0
        self._started = Demand()  # demand of every run in `_runs`: an upper bound of what is held at any time

    def enqueue(self, run: Run) -> None:
        if not run.demand.fits_in(self.capacity):
            raise ValueError("demand larger than the package")  # callers check first
        self._waiting.append(run)

    def stop(self, run: Run, now: float) -> None:
        """Stop `run` at `now` (call `advance(now)` first). Waiting runs leave the queue."""
        if run in self._waiting:
            self._waiting.remove(run)
        if run.stopped_at is None:
            run.stopped_at = now

    def has_waiting(self) -> bool:
        return bool(self._waiting)

    def free(self, now: float) -> Demand:
        held = Demand()
        for run in self._runs:
            if run.holds_at(now):
                held = held + run.demand
        return self.capacity - held

    def busy(self, now: float) -> bool:
        return self.has_waiting() or any(run.holds_at(now) for run in self._runs)

    def advance(self, now: float) -> None:
        """Start, in order, every waiting run whose share came free by `now`."""
        while self._waiting:
            run = self._waiting[0]
            start = self._earliest_start(run)
            if start is None or start > now:
                return
            self._waiting.pop(0)
            run.start_at = start
            self._last_start = start
            self._runs.append(run)
            self._started = self._started + run.demand

    def _earliest_start(self, run: Run) -> float | None:
        # FIFO: no run starts before the one ahead of it, so only releases after `earliest` matter.
        earliest = max(run.ready_at, self._last_start)
        if (self._started + run.demand).fits_in(self.capacity):
            return earliest  # fits even if every run ever started still held its share (no scan of thousands)
        releases = sorted({t for other in self._runs if (t := other.released_at()) is not None and t > earliest})
        for t in (earliest, *releases):
            held = Demand()
            for other in self._runs:
                if other.holds_at(t):
                    held = held + other.demand
            if (held + run.demand).fits_in(self.capacity):
                return t
        return None  # only a stop can make room

    def consumed_units(self, now: float, unit_s: float) -> int:
        """Amount used by `now`: every started run uses ceil(node-seconds / unit), at least one unit."""
        total = 0
        for run in self._runs:
            seconds = run.seconds_run(now)
            if seconds is not None:
                total += max(1, math.ceil(seconds * run.nodes / unit_s - 1e-9))
        return total

    def last_change(self, now: float) -> float | None:
        """The latest start or release at or before `now` (the package's updateTime)."""
        times = [t for run in self._runs for t in (run.start_at, run.released_at()) if t is not None and t <= now]
        return max(times, default=None)
