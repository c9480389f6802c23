"""When to try a failed webhook delivery again. Pure: no I/O, randomness injectable."""

import random
from collections.abc import Callable
from dataclasses import dataclass

from services.common.settings import Settings


@dataclass(frozen=True)
class RetryPolicy:
    base_s: float
    cap_s: float
    max_attempts: int
    jitter: float = 0.2  # ±20 %, so endpoints that failed together do not all come back together

    @classmethod
    def from_settings(cls, settings: Settings) -> "RetryPolicy":
        return cls(settings.webhook_retry_base_s, settings.webhook_retry_cap_s, settings.webhook_max_attempts)

    def next_delay(self, failed_attempts: int, rand: Callable[[], float] = random.random) -> float | None:
        """Seconds to wait after the `failed_attempts`-th failure (1-based); None means give up.

        base * 2**(n-1), capped, with jitter; the jittered delay never exceeds the cap either.
        """
        if failed_attempts >= self.max_attempts:
            return None
        exponent = min(failed_attempts - 1, 62)  # past the cap long before; keeps the float finite
        delay = min(self.cap_s, self.base_s * 2.0 ** exponent)
        jittered = delay * (1 + self.jitter * (2 * rand() - 1))
        return min(self.cap_s, jittered)
