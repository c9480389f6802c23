"""CallLimiter: rate, burst, concurrency cap and vendor-requested back-off."""

from __future__ import annotations

import asyncio
import time

import pytest

from services.vendors.ratelimit import CallLimiter


async def _calls(limiter: CallLimiter, count: int, hold_s: float = 0.0) -> tuple[list[float], int]:
    """Run `count` calls through the limiter at once: (start times, most calls in flight together)."""
    starts: list[float] = []
    in_flight = most = 0

    async def call() -> None:
        nonlocal in_flight, most
        async with limiter:
            starts.append(time.monotonic())
            in_flight += 1
            most = max(most, in_flight)
            await asyncio.sleep(hold_s)
            in_flight -= 1

    await asyncio.gather(*(call() for _ in range(count)))
    return sorted(starts), most


async def test_burst_goes_out_at_once_then_the_rate_holds() -> None:
    limiter = CallLimiter(rate_per_s=20, concurrency=100, burst=5)
    began = time.monotonic()
    starts, _ = await _calls(limiter, 15)
    assert starts[4] - began < 0.05  # the burst
    # 10 calls past the burst need 10 tokens at 20/s.
    assert starts[-1] - began == pytest.approx(0.5, abs=0.1)
    assert starts[-1] - began >= 0.45


async def test_no_window_of_one_second_exceeds_burst_plus_rate() -> None:
    limiter = CallLimiter(rate_per_s=10, concurrency=100)  # burst defaults to the rate
    starts, _ = await _calls(limiter, 25)
    for index, start in enumerate(starts):
        in_window = sum(1 for other in starts[index:] if other - start < 1.0)
        assert in_window <= limiter.burst + limiter.rate_per_s


async def test_concurrency_cap_holds_while_calls_are_slow() -> None:
    limiter = CallLimiter(rate_per_s=1000, concurrency=3)
    _, most = await _calls(limiter, 12, hold_s=0.02)
    assert most == 3


async def test_a_cancelled_waiter_gives_its_slot_back() -> None:
    limiter = CallLimiter(rate_per_s=5, concurrency=1, burst=1)
    async with limiter:
        pass  # the only token is spent
    waiter = asyncio.create_task(limiter.__aenter__())
    await asyncio.sleep(0.05)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    # The slot is free again: a second waiter gets in once the bucket refills (0.2 s).
    await asyncio.wait_for(limiter.__aenter__(), timeout=2)
    await limiter.__aexit__(None, None, None)


def test_back_off_keeps_the_longest_pause() -> None:
    now = [100.0]
    limiter = CallLimiter(rate_per_s=5, concurrency=1, clock=lambda: now[0])
    assert limiter.backing_off_for() == 0.0
    limiter.back_off(3)
    limiter.back_off(1)  # shorter: the 3 s pause stays
    assert limiter.backing_off_for() == 3.0
    now[0] += 2.5
    assert limiter.backing_off_for() == pytest.approx(0.5)
    now[0] += 1
    assert limiter.backing_off_for() == 0.0


def test_default_burst_is_one_second_of_rate() -> None:
    assert CallLimiter(rate_per_s=5, concurrency=1).burst == 5
    assert CallLimiter(rate_per_s=0.5, concurrency=1).burst == 1
    assert CallLimiter(rate_per_s=2.5, concurrency=1).burst == 3


@pytest.mark.parametrize(
    ("rate", "concurrency", "burst"), [(0, 1, None), (-1, 1, None), (1, 0, None), (1, 1, 0)]
)
def test_bad_limits_are_refused(rate: float, concurrency: int, burst: int | None) -> None:
    with pytest.raises(ValueError):
        CallLimiter(rate_per_s=rate, concurrency=concurrency, burst=burst)
