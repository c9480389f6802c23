"""Group commit on the real PostgreSQL: items handed in together are written in one transaction, and an
item that cannot be written fails alone."""

import asyncio

import pytest

from services.common.group_commit import GroupCommit


@pytest.fixture
async def table(pool):
    await pool.execute("CREATE TABLE IF NOT EXISTS public.group_commit_test (n integer PRIMARY KEY, txid bigint)")
    await pool.execute("TRUNCATE public.group_commit_test")
    yield
    await pool.execute("DROP TABLE public.group_commit_test")


async def write(conn, items: list[int]) -> None:
    for n in items:
        if n < 0:
            raise ValueError(f"cannot write {n}")
        await conn.execute("INSERT INTO public.group_commit_test VALUES ($1, txid_current())", n)


async def test_items_handed_in_together_commit_in_one_transaction(pool, table):
    group = GroupCommit(pool, write)
    await asyncio.gather(*(group.run(n) for n in range(50)))
    rows = await pool.fetch("SELECT n, txid FROM public.group_commit_test")
    assert sorted(r["n"] for r in rows) == list(range(50))
    assert len({r["txid"] for r in rows}) == 1


async def test_a_failing_item_fails_only_its_own_caller(pool, table):
    group = GroupCommit(pool, write)
    results = await asyncio.gather(*(group.run(n) for n in (1, 2, -3, 4)), return_exceptions=True)
    assert [type(r).__name__ for r in results] == ["NoneType", "NoneType", "ValueError", "NoneType"]
    assert sorted(r["n"] for r in await pool.fetch("SELECT n FROM public.group_commit_test")) == [1, 2, 4]
