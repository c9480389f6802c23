"""Walking a vendor's paged list: every item once, in as few round trips in a row as the vendor allows.

When the first page says how many items there are (`total`), the other ceil(total / size) - 1 pages are
fetched side by side, a few at a time: a list of thousands of jobs then costs the same number of calls but
not that many round trips one after another (the watcher's detection latency is one listing long).
Without a total, pages are fetched one by one until a short page, or a page with nothing new (so an API
that ignores the offset cannot loop us forever; items that move between pages while we walk count once).
"""

import asyncio
import math
from collections.abc import Awaitable, Callable
from typing import Any

Item = dict[str, Any]
FetchPage = Callable[[int], Awaitable[tuple[list[Item], int | None]]]  # page number -> (items, total)

PAGES_AT_ONCE = 8


async def all_items(fetch: FetchPage, size: int, key: Callable[[Item], str]) -> list[Item]:
    items, total = await fetch(0)
    found = {key(item): item for item in items}
    if len(items) < size:
        return list(found.values())
    if isinstance(total, int):
        side_by_side = asyncio.Semaphore(PAGES_AT_ONCE)

        async def page(n: int) -> list[Item]:
            async with side_by_side:
                return (await fetch(n))[0]

        for items in await asyncio.gather(*(page(n) for n in range(1, math.ceil(total / size)))):
            found.update((key(item), item) for item in items)
        return list(found.values())
    n = 1
    while True:
        items, _ = await fetch(n)
        fresh = {key(item): item for item in items if key(item) not in found}
        found.update(fresh)
        if len(items) < size or not fresh:
            return list(found.values())
        n += 1
