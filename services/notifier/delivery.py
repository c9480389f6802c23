"""The delivery worker: claims due deliveries, sends them signed and concurrently, records every attempt
and schedules the next one. At-least-once: a delivery leased by a process that died is sent again after
the lease, with the same webhook-id, so receivers can drop the repeat."""

import asyncio
import contextlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
import httpx

from services.common.logs import log
from services.common.runtime import Runtime
from services.common.settings import Settings
from services.notifier import signing, store, urls
from services.notifier.retry import RetryPolicy

CONCURRENCY = 32
POLL_S = 0.5  # fallback when a NOTIFY is missed; deliveries due after a backoff are found this way too
LEASE_MARGIN_S = 30.0  # beyond the attempt's own timeout, for recording the result


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None
    latency_ms: int

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class DeliveryWorker:
    def __init__(self, pool: asyncpg.Pool, settings: Settings, *,
                 concurrency: int = CONCURRENCY, poll_s: float = POLL_S):
        self._pool, self._settings = pool, settings
        self._concurrency, self._poll_s = concurrency, poll_s
        self._policy = RetryPolicy.from_settings(settings)
        self._lease_s = settings.webhook_timeout_s + LEASE_MARGIN_S
        self._wake = asyncio.Event()
        self._inflight: set[asyncio.Task] = set()

    async def run(self) -> None:
        listener = await self._pool.acquire()
        wake = lambda *_: self._wake.set()  # noqa: E731
        await listener.add_listener(store.DELIVERIES_CHANNEL, wake)
        try:
            async with self._client() as client:
                try:
                    await self._claim_forever(client)
                finally:
                    # Cancelled sends keep their lease and go out again later with the same webhook-id.
                    for task in self._inflight:
                        task.cancel()
                    await asyncio.gather(*self._inflight, return_exceptions=True)
        finally:
            with contextlib.suppress(Exception):
                await listener.remove_listener(store.DELIVERIES_CHANNEL, wake)
            await self._pool.release(listener)

    async def _claim_forever(self, client: httpx.AsyncClient) -> None:
        while True:
            self._wake.clear()  # before claiming, so a NOTIFY arriving meanwhile is not lost
            free = self._concurrency - len(self._inflight)
            claimed = []
            if free:
                try:
                    claimed = await store.claim_due(self._pool, free, self._lease_s)
                except (OSError, asyncpg.PostgresError, asyncio.TimeoutError) as exc:
                    log.warning("notifier.claim_failed", error=repr(exc))
            for row in claimed:
                task = asyncio.create_task(self._deliver(client, row))
                self._inflight.add(task)
                task.add_done_callback(self._finished)
            if free == 0 or len(claimed) < free:  # full, or caught up: wait for a NOTIFY, a free slot or the poll
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll_s)

    def _finished(self, task: asyncio.Task) -> None:
        self._inflight.discard(task)
        self._wake.set()

    def _client(self) -> httpx.AsyncClient:
        pinning = not self._settings.webhook_allow_private
        return httpx.AsyncClient(
            timeout=self._settings.webhook_timeout_s,
            follow_redirects=False,  # a redirect could point anywhere, past the URL policy
            trust_env=False,  # a proxy from the environment would bypass the address check
            limits=httpx.Limits(
                max_connections=self._concurrency,
                # Pinned requests are pooled by address, not host name: no reuse, so each TLS handshake
                # checks the certificate against its own host.
                max_keepalive_connections=0 if pinning else self._concurrency,
            ),
            headers={"user-agent": "Switchyard-Webhooks/1"},
        )

    async def _deliver(self, client: httpx.AsyncClient, row: asyncpg.Record) -> None:
        attempt = row["attempts"] + 1
        outcome = await self._attempt(client, row)
        retry_in_s = None if outcome.delivered else self._policy.next_delay(attempt)
        status = "delivered" if outcome.delivered else "pending" if retry_in_s is not None else "failed"
        try:
            await store.record_attempt(
                self._pool, row["id"], attempt, status_code=outcome.status_code, latency_ms=outcome.latency_ms,
                error=outcome.error, status=status, retry_in_s=retry_in_s,
            )
        except (OSError, asyncpg.PostgresError, asyncio.TimeoutError):
            # Unrecorded: the lease runs out and the delivery is sent again with the same webhook-id.
            log.exception("notifier.record_failed", delivery_id=str(row["id"]), attempt=attempt)
            return
        log.info("notifier.attempt", delivery_id=str(row["id"]), attempt=attempt, status=status,
                 status_code=outcome.status_code, error=outcome.error, latency_ms=outcome.latency_ms,
                 retry_in_s=retry_in_s)

    async def _attempt(self, client: httpx.AsyncClient, row: asyncpg.Record) -> Outcome:
        timeout_s = self._settings.webhook_timeout_s
        started = time.monotonic()
        status_code, error = None, None
        try:
            # One deadline for the whole attempt: httpx's timeout is per read, which a slow drip never trips.
            async with asyncio.timeout(timeout_s):
                status_code = await self._post(client, row)
            if not 200 <= status_code < 300:
                error = f"HTTP {status_code}"
        except urls.UrlRefused as exc:
            error = f"refused by URL policy: {exc}"
        except (TimeoutError, httpx.TimeoutException):
            error = f"timed out after {timeout_s:g}s"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return Outcome(status_code, error, round((time.monotonic() - started) * 1000))

    async def _post(self, client: httpx.AsyncClient, row: asyncpg.Record) -> int:
        url, headers, extensions = row["url"], {}, {}
        if not self._settings.webhook_allow_private:
            address = await urls.public_address(row["url"])  # checked now, not only at creation
            url, headers, extensions = urls.pinned(row["url"], address)
        body = row["body"]
        headers |= signing.signed_headers(row["secret"], str(row["id"]), body, datetime.now(UTC))
        # Streamed and never read: only the status matters, and a huge response body costs nothing.
        async with client.stream("POST", url, content=body.encode(), headers=headers,
                                 extensions=extensions) as response:
            return response.status_code


async def run(runtime: Runtime) -> None:
    await DeliveryWorker(runtime.pool, runtime.settings).run()
