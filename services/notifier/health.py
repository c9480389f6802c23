"""A delivery target's health: its circuit breaker and how long it has been failing. Pure: no I/O.

A target is a webhook endpoint or a topic subscription. After `failures` consecutive failed attempts the
breaker opens: the target's queued deliveries wait until `open_until` (they are not attempted, and no
attempt is spent). Then one probe goes out (half-open); its failure opens the breaker again for twice as
long (up to a cap), its success closes it. The claim (store.claim_due) enforces the caps: none while
open, one while half-open, `notifier_target_concurrency` otherwise. A slow or dead target therefore holds
a bounded number of attempts in flight and never the queue: everything else is claimed around it.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta


@dataclass(frozen=True)
class BreakerPolicy:
    failures: int = 5
    open_s: float = 30.0
    open_max_s: float = 600.0

    def open_for(self, trips: int) -> timedelta:
        return timedelta(seconds=min(self.open_max_s, self.open_s * 2.0 ** min(trips - 1, 30)))


@dataclass(frozen=True)
class Health:
    consecutive_failures: int = 0
    trips: int = 0  # times opened since the last success
    open_until: datetime | None = None
    failing_since: datetime | None = None

    def is_open(self, now: datetime) -> bool:
        return self.open_until is not None and now < self.open_until


HEALTHY = Health()


def after_success(health: Health) -> Health:
    return HEALTHY


def after_failure(health: Health, policy: BreakerPolicy, now: datetime) -> Health:
    failures = health.consecutive_failures + 1
    health = replace(health, consecutive_failures=failures, failing_since=health.failing_since or now)
    if failures < policy.failures or health.is_open(now):
        # Failures of attempts that were already in flight when it opened do not extend the open period.
        return health
    trips = health.trips + 1
    return replace(health, trips=trips, open_until=now + policy.open_for(trips))


def should_disable(health: Health, disable_after: timedelta, now: datetime) -> bool:
    """An endpoint that has failed without a single success for `disable_after` is disabled."""
    return health.failing_since is not None and now - health.failing_since >= disable_after
