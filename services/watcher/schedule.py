"""Polling rules, as plain functions: which jobs are starting, how soon to look at a job again, how many
jobs a tick looks at, when the next tick starts, and when a vendor's errors add up to an outage worth
announcing."""

import math
import random
from datetime import datetime, timedelta

from contracts.status import JobStatus


# A job waiting to start: its start is what people wait for, so it is looked at first and most often.
STARTING = (JobStatus.PENDING, JobStatus.QUEUED)


def next_poll_delay(status: JobStatus, *, starting_s: float, running_s: float, rng: random.Random,
                    until_expected_end_s: float | None = None) -> float:
    """Often while a job is starting, less often once it runs; ±20 % jitter so thousands of jobs
    submitted together do not come due together.

    A running job expected to end (its start plus its `max_runtime_s`) within its next look, or past that
    already, is looked at as often as a starting one: where its vendor reports no end time, the end is when
    the watcher sees it, and every second of that is billed."""
    near_end = until_expected_end_s is not None and until_expected_end_s <= running_s
    base = starting_s if status in STARTING or (status == JobStatus.RUNNING and near_end) else running_s
    return base * rng.uniform(0.8, 1.2)


def until_expected_end(started_at: datetime | None, max_runtime_s: int | None, now: datetime) -> float | None:
    """Seconds from `now` to a job's expected end (negative once past it); None without a start or a bound."""
    if started_at is None or max_runtime_s is None:
        return None
    return (started_at + timedelta(seconds=max_runtime_s) - now).total_seconds()


class ErrorBudget:
    """Consecutive failed polls of one vendor account. Crossing the budget is one outage (announced
    once); the first success after it is the recovery (announced once)."""

    def __init__(self, budget: int):
        self._budget, self._failures = budget, 0

    def failure(self) -> bool:
        """True exactly when this failure exhausts the budget."""
        self._failures += 1
        return self._failures == self._budget

    def success(self) -> bool:
        """True when this success ends an announced outage."""
        recovered = self._failures >= self._budget
        self._failures = 0
        return recovered

    @property
    def exhausted(self) -> bool:
        return self._failures >= self._budget


def tick_pause(elapsed_s: float, interval_s: float) -> float:
    """How long to wait before the next tick: ticks start every `interval_s` (not `interval_s` after the
    previous one ended), so a slow listing does not stretch the time a transition waits to be seen; a tick
    longer than the interval is followed by the next at once."""
    return max(0.0, interval_s - elapsed_s)


def per_job_batch(watch_batch: int, calls_per_s: float | None, interval_s: float) -> int:
    """How many jobs one tick of a per-job vendor looks at: `watch_batch`, but no more than its rate
    limit lets through in about one interval, so a tick's changes are recorded every few seconds
    instead of after minutes of rate-limited reads."""
    if calls_per_s is None:
        return watch_batch
    return max(1, min(watch_batch, math.ceil(calls_per_s * interval_s)))
