"""Overlapping batches (`dispatcher._Tenants`): a tenant's placements of a newer batch wait for its older ones,
other tenants' do not, and a tenant still placing lends its usage to the next batch."""

import asyncio
import uuid

from services.scheduler.dispatcher import Usage, _Tenants
from services.scheduler.placement import Limits


def usage() -> Usage:
    return Usage(Limits(max_concurrent_jobs=None, max_concurrent_accelerators=None), 0, 0)


async def test_a_tenants_newer_batch_places_after_its_older_one_and_others_do_not_wait():
    tenants, a, b = _Tenants(), uuid.uuid4(), uuid.uuid4()
    older_may_end, order = asyncio.Event(), []

    async def older() -> None:
        order.append("a-older-begins")
        await older_may_end.wait()
        order.append("a-older-ends")

    async def record(what: str) -> None:
        order.append(what)

    a_usage = usage()
    first = tenants.chain(a, a_usage, older)
    second = tenants.chain(a, a_usage, lambda: record("a-newer"))
    other = tenants.chain(b, usage(), lambda: record("b"))
    await asyncio.wait_for(other, timeout=5)
    assert "b" in order and "a-newer" not in order and order[0] == "a-older-begins"
    assert tenants.usage(a) is a_usage

    older_may_end.set()
    await asyncio.wait_for(asyncio.gather(first, second), timeout=5)
    assert order.index("a-older-ends") < order.index("a-newer")
    await asyncio.sleep(0)  # done callbacks run on the next turn of the loop
    assert tenants.usage(a) is None and tenants.usage(b) is None


async def test_a_failed_older_placement_does_not_stop_the_tenants_newer_one():
    tenants, a = _Tenants(), uuid.uuid4()

    async def fails() -> None:
        raise RuntimeError("boom")

    ran = asyncio.Event()

    async def newer() -> None:
        ran.set()

    first = tenants.chain(a, usage(), fails)
    second = tenants.chain(a, usage(), newer)
    await asyncio.wait_for(second, timeout=5)
    assert ran.is_set() and isinstance(first.exception(), RuntimeError)
