"""Which vendors are degraded right now. A vendor that was unavailable or throttled is tried after the
healthy ones for `cooldown_s`; it is not skipped, so a job with no other choice still gets a try."""

import time
from collections.abc import Callable


class VendorHealth:
    def __init__(self, cooldown_s: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self._cooldown_s, self._clock = cooldown_s, clock
        self._degraded_until: dict[str, float] = {}

    def degrade(self, vendor: str) -> bool:
        """Mark `vendor` degraded; True when it was healthy before (a change worth announcing)."""
        was_healthy = vendor not in self.degraded()
        self._degraded_until[vendor] = self._clock() + self._cooldown_s
        return was_healthy

    def degraded(self) -> frozenset[str]:
        now = self._clock()
        return frozenset(v for v, until in self._degraded_until.items() if until > now)

    @property
    def cooldown_s(self) -> float:
        return self._cooldown_s
