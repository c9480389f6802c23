"""Group commit: items handed in at about the same time are written together, in one transaction.

Under load, dozens of placements finish within a millisecond of each other. Written one transaction each,
they queue for pool connections and pay several round trips apiece, and that became the dispatcher's
bottleneck; written together by a function that takes them all (multi-row statements), they cost a few
round trips in all. An item that cannot be written does not fail the others: the group is then written
again one item per transaction, and only the failing item's caller sees the error.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import asyncpg

T = TypeVar("T")


class GroupCommit(Generic[T]):
    def __init__(self, pool: asyncpg.Pool, write: Callable[[asyncpg.Connection, list[T]], Awaitable[None]], *,
                 max_group: int = 500, gather_s: float = 0.002):
        self._pool, self._write = pool, write
        self._max_group, self._gather_s = max_group, gather_s
        self._pending: list[tuple[T, asyncio.Future]] = []
        self._flusher: asyncio.Task | None = None

    async def run(self, item: T) -> None:
        """Returns once `item` is committed; raises what writing it raised."""
        future = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        await future

    async def _flush(self) -> None:
        await asyncio.sleep(self._gather_s)  # let the others finishing now join
        while self._pending:
            group, self._pending = self._pending[:self._max_group], self._pending[self._max_group:]
            try:
                await self._commit([item for item, _ in group])
                outcomes: list[Exception | None] = [None] * len(group)
            except Exception:
                outcomes = [await self._alone(item) for item, _ in group]  # find the failing one
            for (_, future), exc in zip(group, outcomes, strict=True):
                if not future.done():  # its caller may have been cancelled meanwhile
                    future.set_exception(exc) if exc else future.set_result(None)

    async def _alone(self, item: T) -> Exception | None:
        try:
            await self._commit([item])
        except Exception as exc:
            return exc
        return None

    async def _commit(self, items: list[T]) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            await self._write(conn, items)
