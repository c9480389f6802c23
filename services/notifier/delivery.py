"""The delivery worker: claims due deliveries, attempts them concurrently, and records the results in
batches together with what follows from them (the next attempt, the target's breaker, disabling an
endpoint, announcing exhausted attempts).

At-least-once with a stable id: a delivery leased by a process that died, or whose result could not be
recorded, is attempted again once the lease runs out, with the same id (the webhook-id), so receivers can
drop the repeat. Several workers (replicas) share the queue: a claim is exclusive (SKIP LOCKED) and only
the claim's holder may record its attempt.
"""

import asyncio
import contextlib
import random
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import asyncpg
from opentelemetry.trace import SpanKind

from services.common.db import CONNECTION_ERRORS
from services.common.http1 import HttpClient
from services.common.logs import log
from services.common.runtime import Runtime
from services.common.tracing import span_from_traceparent
from services.common.unit_of_work import unit_of_work
from services.common.wakeup import Wakeup
from services.notifier import event_types, fanout, health, metrics
from services.notifier.config import NotifierSettings
from services.notifier.retry import after_attempt
from services.notifier.senders import Outcome, Senders
from services.notifier.store import deliveries, endpoints, target_health

Clock = Callable[[], datetime]

POLL_S = 0.5  # fallback when a NOTIFY is missed; deliveries due after a backoff are found this way too
COALESCE_S = 0.005  # wake-ups come in bursts (each finished attempt is one): claim once per burst
FLUSH_S = 0.02  # results are recorded in batches gathered over this long
RECORD_RETRY_S = 0.5  # between tries to record results while the database is away
LEASE_MARGIN_S = 30.0  # beyond the attempt's own deadline, for recording the result
SWEEP_S = 10.0
DB_ERRORS = (*CONNECTION_ERRORS, asyncpg.PostgresError)


def system_clock() -> datetime:
    return datetime.now(UTC)


class DeliveryWorker:
    def __init__(self, pool: asyncpg.Pool, settings: NotifierSettings, *, clock: Clock = system_clock,
                 rand: Callable[[], float] = random.random, senders: Senders | None = None,
                 poll_s: float = POLL_S):
        self._pool, self._settings, self._clock, self._rand, self._poll_s = pool, settings, clock, rand, poll_s
        self._http = HttpClient(user_agent="Switchyard-Webhooks/1",
                                max_idle_per_origin=settings.notifier_target_concurrency)
        self._senders = senders or Senders(settings, self._http)
        self._breaker = health.BreakerPolicy(settings.breaker_failures, settings.breaker_open_s,
                                             settings.breaker_open_max_s)
        self._lease = timedelta(seconds=settings.webhook_timeout_s + LEASE_MARGIN_S)
        self._wake, self._flush_wake = Wakeup(pool, deliveries.DELIVERIES_CHANNEL), asyncio.Event()
        self._tasks: set[asyncio.Task] = set()
        self._inflight: dict[uuid.UUID, int] = defaultdict(int)  # per target
        self._results: list[tuple[asyncpg.Record, datetime, Outcome]] = []

    async def run(self) -> None:
        """Until cancelled. Should claiming, recording or sweeping fail in a way none of them handles, the others
        stop too and the error reaches the runtime, which starts a new worker: no part goes on without the rest
        (a worker whose results are no longer recorded would stop claiming once its targets look busy)."""
        try:
            async with asyncio.TaskGroup() as group:
                for loop in (self._claim_forever, self._flush_forever, self._sweep_forever):
                    group.create_task(loop())
        finally:
            # Cancelled attempts keep their lease and go out again later with the same id.
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self._flush()), 5.0)  # what finished before the stop
            self._http.close()
            await self._wake.close()

    # --- claiming

    async def _claim_forever(self) -> None:
        while True:
            self._wake.clear()  # before claiming, so a NOTIFY arriving meanwhile is not lost
            free = self._settings.notifier_concurrency - len(self._tasks)
            claimed = []
            if free:
                try:
                    claimed = await self._claim(free)
                except DB_ERRORS as exc:
                    log.warning("notifier.claim_failed", error=repr(exc))
            for row in claimed:
                self._start(row)
            if free == 0 or len(claimed) < free:  # full, or caught up: wait for a NOTIFY, a free slot or the poll
                await self._wake.wait(self._poll_s)
                await asyncio.sleep(COALESCE_S)

    async def _claim(self, limit: int) -> list[asyncpg.Record]:
        now = self._clock()
        return await deliveries.claim_due(
            self._pool, now=now, limit=limit, lease_until=now + self._lease, lease=uuid.uuid4(),
            target_cap=self._settings.notifier_target_concurrency, breaker_failures=self._breaker.failures,
            busy={target: n for target, n in self._inflight.items() if n},
        )

    def _start(self, row: asyncpg.Record) -> None:
        self._inflight[row["target_id"]] += 1  # until its result is recorded: a half-open target gets one probe
        task = asyncio.create_task(self._attempt(row))
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task) -> None:
        was_full = len(self._tasks) >= self._settings.notifier_concurrency
        self._tasks.discard(task)
        if was_full:
            self._wake.set()  # a slot is free that a due delivery may be waiting for; new ones NOTIFY

    def _settled(self, target: uuid.UUID) -> None:
        capped = self._inflight[target] >= self._settings.notifier_target_concurrency
        self._inflight[target] -= 1
        if not self._inflight[target]:
            del self._inflight[target]
        if capped:
            self._wake.set()

    async def _attempt(self, row: asyncpg.Record) -> None:
        started = self._clock()
        try:
            # In the trace of the event the delivery tells of.
            with span_from_traceparent(f"deliver {row['channel']}", row["traceparent"], kind=SpanKind.CLIENT,
                                       **{"switchyard.delivery_id": str(row["id"]),
                                          "cloudevents.event_type": row["event_type"]}) as span:
                outcome = await self._senders.attempt(row, started)
                if outcome.status_code is not None:
                    span.set_attribute("http.response.status_code", outcome.status_code)
        except Exception as exc:  # noqa: BLE001 - a bug in one attempt must not stall its target
            log.exception("notifier.attempt_crashed", delivery_id=str(row["id"]))
            outcome = Outcome(None, f"internal error: {type(exc).__name__}", 0)
        self._results.append((row, started, outcome))
        self._flush_wake.set()

    # --- recording

    async def _flush_forever(self) -> None:
        while True:
            await self._flush_wake.wait()
            await asyncio.sleep(FLUSH_S)
            self._flush_wake.clear()
            try:
                await self._flush()
            except CONNECTION_ERRORS as exc:
                log.warning("notifier.record_failed", error=repr(exc), retry_in_s=RECORD_RETRY_S)
                await asyncio.sleep(RECORD_RETRY_S)
            except DB_ERRORS:
                # Unrecorded: the leases run out and these deliveries are attempted again, with the same ids.
                log.exception("notifier.record_failed")

    async def _flush(self) -> None:
        batch, self._results = self._results, []
        if not batch:
            return
        settled = True
        try:
            for attempt in range(3):
                try:
                    await self._record(batch)
                    return
                except asyncpg.DeadlockDetectedError:
                    if attempt == 2:
                        raise
        except CONNECTION_ERRORS:
            # The database is away: these results are kept and recorded once it is back (should the lease run
            # out first, the recording finds the delivery leased anew and leaves it), rather than sent again.
            settled = False
            self._results[:0] = batch
            self._flush_wake.set()
            raise
        finally:
            if settled:
                for row, _, _ in batch:
                    self._settled(row["target_id"])

    async def _record(self, batch: list[tuple[asyncpg.Record, datetime, Outcome]]) -> None:
        now = self._clock()
        decisions, attempts = {}, []
        for row, started, outcome in batch:
            decision = after_attempt(
                delivered=outcome.delivered, aborted=outcome.aborted, round_attempts=row["round_attempts"] + 1,
                schedule=self._settings.webhook_retry_schedule, jitter=self._settings.webhook_retry_jitter,
                now=now, rand=self._rand)
            decisions[row["id"]] = decision
            attempts.append(deliveries.Attempt(row["id"], row["leased_by"], started, decision.status,
                                               outcome.status_code, outcome.latency_ms, outcome.error,
                                               decision.next_attempt_at))
        outcomes = {row["id"]: outcome for row, _, outcome in batch}
        # The batch's attempts and all that follows from them (health, disabling, announcements) commit together.
        async with unit_of_work(self._pool) as conn:
            recorded = await deliveries.record_attempts(conn, attempts, now)
            await self._update_health(conn, recorded, outcomes, now)
            for row in recorded:
                if decisions[row["id"]].exhausted:
                    await self._announce_exhausted(conn, row, now)
        written = {row["id"] for row in recorded}
        for row, _, outcome in batch:
            if row["id"] in written:
                metrics.attempted(decisions[row["id"]].status, outcome.latency_ms)
            if not outcome.delivered:
                log.info("notifier.attempt_failed", delivery_id=str(row["id"]), channel=row["channel"],
                         attempt=row["attempts"] + 1, status=decisions[row["id"]].status,
                         status_code=outcome.status_code, error=outcome.error, latency_ms=outcome.latency_ms)

    async def _update_health(self, conn: asyncpg.Connection, recorded: list[asyncpg.Record],
                             outcomes: dict[uuid.UUID, Outcome], now: datetime) -> None:
        results: dict[uuid.UUID, list[bool]] = defaultdict(list)
        webhooks = set()  # targets that are webhook endpoints (only those are ever disabled)
        for row in recorded:
            results[row["target_id"]].append(outcomes[row["id"]].delivered)
            if row["endpoint_id"] is not None:
                webhooks.add(row["target_id"])
        before = await target_health.for_update(conn, list(results))
        changed = {}
        for target, delivered in results.items():
            state = before.get(target, health.HEALTHY)
            for ok in delivered:
                state = health.after_success(state) if ok else health.after_failure(state, self._breaker, now)
            if state != before.get(target, health.HEALTHY):
                changed[target] = state
        await target_health.save(conn, changed)
        disable_after = timedelta(seconds=self._settings.webhook_disable_after_s)
        for target, state in changed.items():
            previous = before.get(target, health.HEALTHY)
            if state.is_open(now) and state.open_until != previous.open_until:
                await deliveries.hold_back(conn, target, state.open_until)
                log.warning("notifier.breaker_open", target_id=str(target), until=state.open_until.isoformat(),
                            consecutive_failures=state.consecutive_failures)
            if target in webhooks and health.should_disable(state, disable_after, now):
                await self._disable(conn, target, state, now)

    async def _disable(self, conn: asyncpg.Connection, endpoint_id: uuid.UUID, state: health.Health,
                       now: datetime) -> None:
        days = self._settings.webhook_disable_after_s / 86400
        reason = f"every attempt failed for {days:g} days"
        row = await endpoints.disable(conn, endpoint_id, reason, now)
        if row is None:
            return  # deleted or already disabled
        await deliveries.fail_pending(conn, [endpoint_id], fanout.ENDPOINT_DISABLED)
        log.warning("notifier.endpoint_disabled", endpoint_id=str(endpoint_id), reason=reason)
        await fanout.notify(conn, event_types.endpoint_disabled(
            tenant_id=row["tenant_id"], endpoint_id=endpoint_id, url=row["url"], failing_since=state.failing_since,
            disabled_at=row["disabled_at"], reason=reason,
        ), public_url=self._settings.public_base_url, except_endpoint=endpoint_id)

    async def _announce_exhausted(self, conn: asyncpg.Connection, row: asyncpg.Record, now: datetime) -> None:
        if row["endpoint_id"] is None or row["event_type"] in event_types.OPERATIONAL_TYPES:
            return  # topic subscribers are not webhooks; and no announcements about announcements
        await fanout.notify(conn, event_types.attempt_exhausted(
            tenant_id=row["tenant_id"], endpoint_id=row["endpoint_id"], message_id=row["id"],
            event_type=row["event_type"], attempts=row["attempts"], last_status_code=row["last_status_code"],
            last_error=row["last_error"], at=now,
        ), public_url=self._settings.public_base_url, except_endpoint=row["endpoint_id"])

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_S)
            self._http.sweep()


async def run(runtime: Runtime) -> None:
    await DeliveryWorker(runtime.pool, runtime.settings).run()
