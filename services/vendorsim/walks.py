"""A listing walked page by page: the order of the matching jobs is taken once, at the first page, and the
pages after it are cut from that order instead of filtering and sorting every job again per page.

A walk over n jobs in pages of p used to cost n/p full scans (O(n²/p): 25,000 jobs in pages of 50 meant 12.5
million filter checks per walk); now it costs one scan and n/p slices. What a client sees stays within what
real offset paging allows while jobs change under it: each item of a later page is checked again against the
filters when it is served (one that no longer matches is left out, so a page may come up short), and a job that
began to match after the first page by itself (its phase moved) is missed until the next walk, as a job that
moves across a page boundary mid-walk is missed by real offset paging. Callers put their count of jobs ever
created in the key, so a create always starts a fresh order. An order older than `max_age_s`, or one a first
page (offset 0) asks for anew, is taken again. Simulator bookkeeping, not a vendor feature.
"""

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")

MAX_AGE_S = 10.0  # a walk of a few hundred pages ends well within this
KEPT = 16  # distinct filter sets remembered at once


class Walks(Generic[T]):
    def __init__(self, max_age_s: float = MAX_AGE_S, kept: int = KEPT,
                 monotonic: Callable[[], float] = time.monotonic):
        self._max_age_s, self._kept, self._monotonic = max_age_s, kept, monotonic
        self._orders: OrderedDict[Hashable, tuple[float, T]] = OrderedDict()

    def order(self, key: Hashable, first_page: bool, compute: Callable[[], T]) -> T:
        """The walk's order for these filters (`key`): computed for a first page, else the one taken at the
        walk's first page while it is fresh. Ages are this process's own (monotonic) time, not the
        simulator's clock, which tests may move by hours between two calls."""
        now = self._monotonic()
        if not first_page:
            kept = self._orders.get(key)
            if kept is not None and now - kept[0] <= self._max_age_s:
                return kept[1]
        value = compute()
        self._orders[key] = (now, value)
        self._orders.move_to_end(key)
        while len(self._orders) > self._kept:
            self._orders.popitem(last=False)
        return value

