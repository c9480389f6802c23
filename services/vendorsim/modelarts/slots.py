"""Capacity: every flavor has a number of slots, shared by training jobs, notebooks and service instances.

A claim asks for some slots of one flavor from `ready_at` on; claims start first come, first served
per flavor, as soon as enough slots are free. Nothing runs in the background: `advance(now)` replays
the starts up to `now` from the claims' timestamps, so what a client sees is deterministic for a given
sequence of calls and never moves backwards.
"""

import math
from dataclasses import dataclass, field

from services.vendorsim.queueing import earliest_start


@dataclass(eq=False)
class Claim:
    flavor_id: str
    slots: int
    ready_at: float  # earliest moment it may start
    hold_s: float = math.inf  # how long it keeps its slots once started
    until: float = math.inf  # absolute latest release (e.g. a notebook's lease deadline)
    start_at: float | None = None
    end_at: float | None = None  # when its slots come free; known once started

    @property
    def started(self) -> bool:
        return self.start_at is not None


@dataclass
class _Flavor:
    waiting: list[Claim] = field(default_factory=list)  # FIFO
    started: list[Claim] = field(default_factory=list)
    last_start: float = -math.inf
    started_slots: int = 0  # slots of every claim in `started`: an upper bound of what is held at any time


class Slots:
    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be >= 1")
        self.capacity = capacity
        self._flavors: dict[str, _Flavor] = {}

    def claim(self, flavor_id: str, slots: int, ready_at: float, *, hold_s: float = math.inf,
              until: float = math.inf) -> Claim:
        if slots > self.capacity:
            raise ValueError(f"{slots} slots can never fit in {self.capacity}")
        claim = Claim(flavor_id, slots, ready_at, hold_s, until)
        self._flavors.setdefault(flavor_id, _Flavor()).waiting.append(claim)
        return claim

    def advance(self, now: float) -> None:
        """Start, in FIFO order per flavor, every waiting claim whose slots came free by `now`."""
        for flavor in self._flavors.values():
            while flavor.waiting:
                claim = flavor.waiting[0]
                start = self._earliest_start(flavor, claim)
                if start > now:
                    break
                flavor.waiting.pop(0)
                if start >= claim.until:
                    continue  # its time ran out while it waited (e.g. a lease that ended first)
                flavor.last_start = start
                claim.start_at = start
                claim.end_at = min(start + claim.hold_s, claim.until)
                flavor.started.append(claim)
                flavor.started_slots += claim.slots

    def release(self, claim: Claim, at: float) -> None:
        """Free the claim's slots at `at` (>= now), or drop it from its queue if it never started."""
        flavor = self._flavors[claim.flavor_id]
        if not claim.started:
            if claim in flavor.waiting:
                flavor.waiting.remove(claim)
        elif claim.end_at is not None and claim.end_at > at:
            claim.end_at = at

    def extend(self, claim: Claim, until: float) -> None:
        """Move the latest release of a claim that still holds (or waits for) its slots."""
        claim.until = until
        if claim.started and claim.start_at is not None:
            claim.end_at = min(claim.start_at + claim.hold_s, until)

    def free(self, flavor_id: str, now: float) -> int:
        flavor = self._flavors.get(flavor_id)
        if flavor is None:
            return self.capacity
        held = sum(c.slots for c in flavor.started if c.end_at is not None and c.end_at > now)
        return self.capacity - held

    def _earliest_start(self, flavor: _Flavor, claim: Claim) -> float:
        # FIFO: no claim starts before the one ahead of it, so every claim already started holds
        # its slots from before `earliest`; only their end times matter.
        earliest = max(claim.ready_at, flavor.last_start)
        if self.capacity - flavor.started_slots >= claim.slots:
            return earliest  # fits even if every claim ever started still held its slots (no sort of thousands)
        held = ((other.end_at, other.slots) for other in flavor.started if other.end_at is not None)
        return earliest_start(earliest, claim.slots, self.capacity, held)  # finite: slots <= capacity (claim())
