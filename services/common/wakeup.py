"""A worker's wake-up call: set by a PostgreSQL NOTIFY on one channel (or by the worker itself), waited for with a
poll interval as the fallback. The LISTEN lives on a connection of its own, which the database takes with it when
it stops; the next wait listens again on a new one, so a restarted database does not leave the worker polling."""

import asyncio
import contextlib

import asyncpg

from services.common.db import CONNECTION_ERRORS
from services.common.logs import log


class Wakeup:
    def __init__(self, pool: asyncpg.Pool, channel: str) -> None:
        self._pool, self._channel = pool, channel
        self._event = asyncio.Event()
        self._conn: asyncpg.Connection | None = None
        self._listened = False  # once: a later LISTEN follows a lost connection

    def set(self) -> None:
        self._event.set()

    def clear(self) -> None:
        """Before looking for work, so that a NOTIFY arriving meanwhile is not lost."""
        self._event.clear()

    async def wait(self, timeout_s: float) -> bool:
        """Until a NOTIFY, a `set()`, or `timeout_s`, whichever comes first; whether it was woken."""
        await self._listen(timeout_s)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._event.wait(), timeout_s)
        return self._event.is_set()

    async def close(self) -> None:
        await self._drop()

    async def _listen(self, timeout_s: float) -> None:
        if self._conn is not None and self._alive():
            return
        await self._drop()
        try:
            conn = await self._pool.acquire(timeout=timeout_s)
        except CONNECTION_ERRORS:
            return  # the database is away: the poll interval stands in until it is back
        try:
            await conn.add_listener(self._channel, self._notified)
        except CONNECTION_ERRORS:
            with contextlib.suppress(Exception):
                await self._pool.release(conn)
            return
        self._conn = conn
        if self._listened:
            log.info("wakeup.listening_again", channel=self._channel)
        self._listened = True
        self._event.set()  # NOTIFYs sent before it listened are lost: look once now

    def _alive(self) -> bool:
        try:
            return not self._conn.is_closed()
        except asyncpg.InterfaceError:  # lost with the database, the pool has taken it back already
            return False

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        # The connection may be gone with the database; the pool then only forgets it.
        with contextlib.suppress(Exception):
            await conn.remove_listener(self._channel, self._notified)
        with contextlib.suppress(Exception):
            await self._pool.release(conn)

    def _notified(self, *_) -> None:
        self._event.set()
