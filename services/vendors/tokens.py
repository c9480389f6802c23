"""A vendor account's login token: fetched lazily, renewed a margin before it expires, dropped when the
vendor refuses it (CAIP's Keystone-style token, Qizhi's bearer token)."""

import asyncio
import time
from collections.abc import Awaitable, Callable

Login = Callable[[], Awaitable[tuple[str, float]]]  # -> (token, lifetime in seconds)


class RenewingToken:
    def __init__(self, login: Login, *, max_margin_s: float) -> None:
        """Renewed 10 % of its lifetime before it expires, but no more than `max_margin_s` before."""
        self._login, self._max_margin_s = login, max_margin_s
        self._lock = asyncio.Lock()
        self._token: str | None = None
        self._renew_at = 0.0  # time.monotonic()

    async def get(self) -> str:
        async with self._lock:
            if self._token is None or time.monotonic() >= self._renew_at:
                token, lifetime_s = await self._login()
                self._token = token
                self._renew_at = time.monotonic() + lifetime_s - min(self._max_margin_s, 0.1 * lifetime_s)
            return self._token

    def invalidate(self, token: str) -> None:
        if self._token == token:  # another call may have renewed it already
            self._token = None
