"""The ModelArts simulator's capacity rule: slots per flavor, first come first served, computed lazily."""

import math

import pytest

from services.vendorsim.modelarts.slots import Slots


def test_claims_start_in_order_as_slots_come_free() -> None:
    slots = Slots(capacity=2)
    first = slots.claim("f", 2, ready_at=0.0, hold_s=10.0)
    second = slots.claim("f", 1, ready_at=1.0, hold_s=5.0)
    third = slots.claim("f", 1, ready_at=2.0, hold_s=5.0)
    slots.advance(9.0)
    assert (first.start_at, first.end_at) == (0.0, 10.0)
    assert not second.started and slots.free("f", 9.0) == 0
    slots.advance(10.0)
    # Both waited for the first; FIFO keeps their order, and both fit once it ends.
    assert (second.start_at, third.start_at) == (10.0, 10.0)
    assert slots.free("f", 12.0) == 0 and slots.free("other", 12.0) == 2


def test_a_claim_does_not_overtake_the_one_ahead_of_it() -> None:
    slots = Slots(capacity=2)
    slots.claim("f", 1, ready_at=0.0)  # holds one slot forever
    big = slots.claim("f", 2, ready_at=1.0)
    small = slots.claim("f", 1, ready_at=2.0)
    slots.advance(100.0)
    assert not big.started and not small.started  # a free slot, but the big claim is first in line


def test_release_frees_early_or_drops_a_waiting_claim() -> None:
    slots = Slots(capacity=1)
    running = slots.claim("f", 1, ready_at=0.0)
    waiting = slots.claim("f", 1, ready_at=0.0, hold_s=3.0)
    cancelled = slots.claim("f", 1, ready_at=0.0)
    slots.advance(1.0)
    slots.release(cancelled, 1.0)
    slots.release(running, 2.0)
    slots.advance(2.0)
    assert (running.end_at, waiting.start_at, waiting.end_at) == (2.0, 2.0, 5.0)
    slots.advance(10.0)
    assert not cancelled.started


def test_until_caps_the_hold_and_extend_moves_it() -> None:
    slots = Slots(capacity=1)
    leased = slots.claim("f", 1, ready_at=0.0, until=4.0)
    slots.advance(0.0)
    assert leased.end_at == 4.0
    slots.extend(leased, 8.0)
    assert leased.end_at == 8.0
    too_late = slots.claim("f", 1, ready_at=0.0, until=6.0)  # its time runs out before a slot frees
    after = slots.claim("f", 1, ready_at=0.0)
    slots.advance(9.0)
    assert not too_late.started and after.start_at == 8.0 and after.end_at == math.inf


def test_a_claim_larger_than_the_flavor_is_refused() -> None:
    with pytest.raises(ValueError):
        Slots(capacity=2).claim("f", 3, ready_at=0.0)
