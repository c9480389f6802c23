"""Client-side limits for one vendor account: a call rate, a cap on calls in flight, and a back-off
the vendor asked for.

The rate is a token bucket (aiolimiter's leaky bucket, which is the same thing seen from the other
side): up to `burst` calls at once, then `rate_per_s` per second. A call first takes a slot of the
concurrency cap and only then waits for the bucket, so it goes out the moment it was admitted and
admitted calls never bunch up behind the cap.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from types import TracebackType

from aiolimiter import AsyncLimiter


class CallLimiter:
    """`async with limiter:` around each call to the vendor.

    One instance per account and event loop; it is not thread-safe. `back_off(s)` records a pause
    the vendor asked for (429 + Retry-After); callers read `backing_off_for()` and skip calls
    meanwhile instead of queueing them up against a vendor that just said "slow down".
    """

    def __init__(
        self,
        rate_per_s: float,
        concurrency: int,
        burst: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate_per_s <= 0:
            raise ValueError("rate_per_s must be > 0")
        if concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        burst = burst if burst is not None else max(1, math.ceil(rate_per_s))
        if burst < 1:
            raise ValueError("burst must be >= 1")
        self.rate_per_s = rate_per_s
        self.concurrency = concurrency
        self.burst = burst
        # `burst` tokens refill in burst / rate seconds, i.e. at `rate_per_s`.
        self._bucket = AsyncLimiter(burst, burst / rate_per_s)
        self._in_flight = asyncio.Semaphore(concurrency)
        self._clock = clock
        self._paused_until = float("-inf")

    async def __aenter__(self) -> None:
        await self._in_flight.acquire()
        try:
            await self._bucket.acquire()
        except BaseException:  # cancelled while waiting for a token: give the slot back
            self._in_flight.release()
            raise

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._in_flight.release()

    def back_off(self, seconds: float) -> None:
        """No calls for `seconds` from now (an earlier, longer pause is kept)."""
        self._paused_until = max(self._paused_until, self._clock() + max(0.0, seconds))

    def backing_off_for(self) -> float:
        """Seconds left of the current pause; 0 when calls may go out."""
        return max(0.0, self._paused_until - self._clock())
