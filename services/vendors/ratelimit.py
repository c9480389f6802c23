"""Client-side limits for one vendor account: a call rate, a cap on calls in flight, and a back-off
the vendor asked for.

The rate is a token bucket: up to `burst` calls at once, then `rate_per_s` per second. In one process it is
aiolimiter's leaky bucket (the same thing seen from the other side). The scheduler and the watcher both call
the same accounts, so each shares its bucket through PostgreSQL (`SharedBudget`): the account's rate holds for
all its callers together, not for each. A call first takes a slot of the (per-process) concurrency cap and only
then waits for the bucket, so it goes out the moment it was admitted and admitted calls never bunch up behind
the cap.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from types import TracebackType

import asyncpg
from aiolimiter import AsyncLimiter


class SharedBudget:
    """One account's call rate kept in PostgreSQL (`vendors.rate_budgets`), as GCRA: one row per account holds
    when the budget is next free. Each call reserves the next slot in one statement and sleeps until it comes,
    so callers in any number of processes together stay within `rate_per_s` (after a first `burst`).

    Written here rather than taken from a library: the rate-limit libraries for asyncio keep their state in
    the process (aiolimiter) or in Redis, and the state this system shares lives in PostgreSQL."""

    _RESERVE = """
        WITH t AS (SELECT clock_timestamp() AS now)
        INSERT INTO vendors.rate_budgets AS b (account, tat)
        SELECT $1, t.now + make_interval(secs => $2) FROM t
        ON CONFLICT (account) DO UPDATE
            SET tat = greatest(b.tat, (SELECT now FROM t)) + make_interval(secs => $2)
        RETURNING greatest(0, extract(epoch FROM b.tat - (SELECT now FROM t)) - $2 - $3)::float8"""

    def __init__(self, pool: asyncpg.Pool, account: str, rate_per_s: float, burst: int) -> None:
        self._pool, self.account = pool, account
        self._interval_s = 1.0 / rate_per_s
        self._tolerance_s = (burst - 1) * self._interval_s  # how far ahead of the rate a burst may run

    async def acquire(self) -> None:
        wait_s = await self._pool.fetchval(self._RESERVE, self.account, self._interval_s, self._tolerance_s)
        if wait_s > 0:
            await asyncio.sleep(wait_s)


class CallLimiter:
    """`async with limiter:` around each call to the vendor.

    One instance per account and event loop; it is not thread-safe. `back_off(s)` records a pause
    the vendor asked for (429 + Retry-After); callers read `backing_off_for()` and skip calls
    meanwhile instead of queueing them up against a vendor that just said "slow down". The pause and the
    concurrency cap are per process; the rate is the account's, shared, once `share` was called.
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
        self._bucket: AsyncLimiter | SharedBudget = AsyncLimiter(burst, burst / rate_per_s)
        self._in_flight = asyncio.Semaphore(concurrency)
        self._clock = clock
        self._paused_until = float("-inf")

    def share(self, pool: asyncpg.Pool, account: str) -> None:
        """From now on, take the rate from the account's budget shared through PostgreSQL."""
        self._bucket = SharedBudget(pool, account, self.rate_per_s, self.burst)

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
