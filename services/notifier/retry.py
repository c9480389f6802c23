"""When to try a delivery again: Svix's schedule by default. Pure: no I/O, randomness injectable.

The first attempt is immediate; the schedule lists the delays before each retry: 5 s, 5 min, 30 min, 2 h,
5 h, 10 h, 10 h, i.e. eight attempts over about 27 hours, each delay with jitter.
"""

import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

SVIX_SCHEDULE: tuple[float, ...] = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)

_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_DELAY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")


def parse_schedule(text: str | Iterable[str | float]) -> tuple[float, ...]:
    """'5s,5m,30m,2h' -> (5, 300, 1800, 7200). Plain numbers are seconds; an empty schedule never retries."""
    items = [i for i in text.split(",") if i.strip()] if isinstance(text, str) else list(text)
    delays = []
    for item in items:
        if isinstance(item, int | float):
            delays.append(float(item))
            continue
        match = _DELAY.match(item)
        if not match:
            raise ValueError(f"not a delay: {item!r} (use seconds or 5s, 5m, 2h, 1d)")
        delays.append(float(match[1]) * _UNITS[match[2]])
    if any(d < 0 for d in delays):
        raise ValueError("a retry delay cannot be negative")
    return tuple(delays)


def next_delay(schedule: tuple[float, ...], failed_attempts: int, jitter: float,
               rand: Callable[[], float] = random.random) -> float | None:
    """Seconds to wait after the `failed_attempts`-th failed attempt (1-based); None: attempts ran out.

    The nominal delay is scaled by a random factor in [1 - jitter, 1 + jitter], so endpoints that failed
    together do not all come back together."""
    if failed_attempts > len(schedule):
        return None
    return schedule[failed_attempts - 1] * (1 + jitter * (2 * rand() - 1))


def next_attempt_at(schedule: tuple[float, ...], failed_attempts: int, jitter: float, now: datetime,
                    rand: Callable[[], float] = random.random) -> datetime | None:
    delay = next_delay(schedule, failed_attempts, jitter, rand)
    return None if delay is None else now + timedelta(seconds=delay)


@dataclass(frozen=True)
class Decision:
    status: str  # delivered | pending (next attempt at next_attempt_at) | failed
    next_attempt_at: datetime | None = None
    exhausted: bool = False  # failed because the schedule ran out (not because the receiver aborted it)


def after_attempt(*, delivered: bool, aborted: bool, round_attempts: int, schedule: tuple[float, ...],
                  jitter: float, now: datetime, rand: Callable[[], float] = random.random) -> Decision:
    """The delivery's state after its `round_attempts`-th attempt of this round (1-based)."""
    if delivered:
        return Decision("delivered")
    if aborted:
        return Decision("failed")
    at = next_attempt_at(schedule, round_attempts, jitter, now, rand)
    return Decision("failed", exhausted=True) if at is None else Decision("pending", at)
