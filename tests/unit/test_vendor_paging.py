"""Walking a vendor's paged list (services/vendors/paging.py)."""

import asyncio

from services.vendors.paging import all_items

ITEMS = [{"id": str(n)} for n in range(23)]


def vendor(items, *, with_total=True, ignores_offset=False, size=5):
    calls, in_flight, most = [], [0], [0]

    async def fetch(page):
        calls.append(page)
        in_flight[0] += 1
        most[0] = max(most[0], in_flight[0])
        await asyncio.sleep(0.001)
        in_flight[0] -= 1
        start = 0 if ignores_offset else page * size
        return items[start:start + size], (len(items) if with_total else None)
    return fetch, calls, most


def ids(items):
    return sorted(int(item["id"]) for item in items)


async def test_with_a_total_the_other_pages_are_fetched_side_by_side_once_each():
    fetch, calls, most = vendor(ITEMS)
    assert ids(await all_items(fetch, 5, lambda i: i["id"])) == list(range(23))
    assert sorted(calls) == [0, 1, 2, 3, 4]  # ceil(23 / 5) calls, no empty end page
    assert most[0] > 1


async def test_without_a_total_pages_are_walked_until_a_short_page():
    fetch, calls, most = vendor(ITEMS, with_total=False)
    assert ids(await all_items(fetch, 5, lambda i: i["id"])) == list(range(23))
    assert calls == [0, 1, 2, 3, 4] and most[0] == 1


async def test_an_api_that_ignores_the_offset_cannot_loop_us():
    fetch, calls, _ = vendor(ITEMS, with_total=False, ignores_offset=True)
    assert ids(await all_items(fetch, 5, lambda i: i["id"])) == list(range(5))
    assert calls == [0, 1]


async def test_an_item_seen_on_two_pages_counts_once():
    moved = ITEMS[:5] + ITEMS[4:]  # item 4 shifted onto the next page while we walk
    fetch, _, _ = vendor(moved)
    assert ids(await all_items(fetch, 5, lambda i: i["id"])) == list(range(23))
