"""When a queued job may start on a capacity others hold: the simulators' first-in, first-out rule.

No job starts before the one ahead of it, so every job already started took its share before the newcomer's
earliest moment; only when they give it back matters. The ModelArts slots (per flavor) and the Qizhi instances
(per spec) follow this rule.
"""

import math
from collections.abc import Iterable


def earliest_start(earliest: float, needed: int, capacity: int, held: Iterable[tuple[float, int]]) -> float:
    """The first moment from `earliest` on when `needed` of `capacity` units are free, each of `held` (release
    time, units) holding its units until it is released; math.inf when they never are (more than the capacity)."""
    busy = sorted((release, units) for release, units in held if release > earliest)
    free = capacity - sum(units for _, units in busy)
    if free >= needed:
        return earliest
    for release, units in busy:
        free += units
        if free >= needed:
            return release
    return math.inf
