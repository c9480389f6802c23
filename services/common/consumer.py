"""Kafka consumers with an exactly-once effect.

Ack policy, explicitly: every subscriber uses FastStream's `AckPolicy.NACK_ON_ERROR`, which turns
Kafka auto-commit off. The offset is committed only after the handler returned, i.e. after its
PostgreSQL transaction (effect + inbox row) committed. When the handler raises, the consumer seeks
back and the event is delivered again; the inbox makes the repeat harmless.

Poison messages: a message no handler can read, or whose handler fails `poison.MAX_TRIES` times for a
reason that is not an outage (the database away), is parked in `dead_letters` with its topic, partition,
offset, headers, payload, consumer group and error, and the offset is committed past it so the partition
moves on. A failing batch is applied again one message at a time, so only the bad message is parked.
"""

import asyncio
from collections.abc import Awaitable, Callable

import asyncpg
from aiokafka.structs import ConsumerRecord
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage
from opentelemetry.trace import SpanKind
from pydantic import ValidationError

from contracts.events import Envelope, UnknownEventType
from services.common import dead_letters, inbox
from services.common.db import create_pool
from services.common.kafka_options import consumer_options
from services.common.logs import log
from services.common.poison import Verdict, delivery_verdict, is_outage, pause_s
from services.common.settings import get_settings
from services.common.tracing import messaging_attributes, process_spans, span_from_traceparent
from services.common.unit_of_work import unit_of_work

Handler = Callable[[Envelope], Awaitable[None]]
BatchHandler = Callable[[list[Envelope]], Awaitable[None]]
Effect = Callable[[asyncpg.Connection], Awaitable[None]]

RETRY_PAUSE_S = 1.0  # a failing handler pauses before the redelivery, so a DB outage is not a hot loop
_UNREADABLE = (UnknownEventType, ValidationError, KeyError, ValueError)


class Parking:
    """Where a consumer parks the messages it gives up on. Subscribers are registered at import, before
    the service's pool exists: `runtime.serve` hands the process's pool over with `use` (tests give theirs to
    the constructor); a consumer run without either opens a one-connection pool of its own at its first parking."""

    def __init__(self, pool: asyncpg.Pool | None = None) -> None:
        self._pool, self._opening = pool, asyncio.Lock()

    def use(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def _get_pool(self) -> asyncpg.Pool:
        async with self._opening:
            if self._pool is None:
                self._pool = await create_pool(get_settings().database_url, min_size=0, max_size=1)
        return self._pool

    async def park(self, group: str, record: ConsumerRecord, *, error: str, attempts: int) -> None:
        """Store the message; raises when it cannot be stored (then it is not committed past either)."""
        stored = _stored(record)
        async with unit_of_work(await self._get_pool()) as conn:
            dead_letter = await dead_letters.park_unapplied(conn, group.removeprefix(get_settings().topic_prefix),
                                                            group, stored, error=error, attempts=attempts)
        log.error("consumer.message_parked", topic=record.topic, partition=record.partition, offset=record.offset,
                  group=group, dead_letter_id=dead_letter, event_type=stored.headers.get("ce_type"), error=error)


PARKING = Parking()


class FailedDeliveries:
    """Failed deliveries per message (topic, partition, offset) of one subscriber, counted in process:
    a redelivery comes back to the same process unless the partition moves (a rebalance, a restart), and
    then the message only gets MAX_TRIES more before it is parked; nothing is written on the hot path."""

    _LIMIT = 10_000  # entries of partitions this process lost are dropped past it

    def __init__(self) -> None:
        self._counts: dict[tuple[str, int, int], int] = {}

    def failed(self, record: ConsumerRecord, error: BaseException) -> int:
        """Count this failure (an outage is not the message's fault and is not counted); the count so far."""
        key = (record.topic, record.partition, record.offset)
        count = self._counts.get(key, 0) + (0 if is_outage(error) else 1)
        if len(self._counts) >= self._LIMIT:
            self._counts.clear()
        self._counts[key] = count
        return count

    def forget(self, record: ConsumerRecord) -> None:
        self._counts.pop((record.topic, record.partition, record.offset), None)


def _stored(record: ConsumerRecord) -> dead_letters.KafkaRecord:
    headers = {key: value.decode(errors="replace") for key, value in record.headers}
    return dead_letters.KafkaRecord(topic=record.topic, key=record.key, headers=headers, payload=record.value or b"",
                                    partition=record.partition, offset=record.offset)


async def _gave_up(parking: Parking, failures: FailedDeliveries, group: str, record: ConsumerRecord,
                   error: BaseException) -> bool:
    """After a failed delivery: True when the message is now parked (commit past it), False when it is to
    be delivered again after a pause (the caller raises)."""
    count = failures.failed(record, error)
    if delivery_verdict(error, count) is Verdict.PARK:
        try:
            await parking.park(group, record, error=repr(error), attempts=count)
        except Exception:
            log.exception("consumer.park_failed", topic=record.topic, group=group, offset=record.offset)
            await asyncio.sleep(RETRY_PAUSE_S)
            return False
        failures.forget(record)
        return True
    await asyncio.sleep(pause_s(count, RETRY_PAUSE_S))
    return False


async def _park_unreadable(parking: Parking, group: str, record: ConsumerRecord, error: Exception) -> None:
    """A message no handler can read never will: parked at once (raises, for a redelivery, if it cannot be)."""
    log.error("consumer.unreadable_message", topic=record.topic, group=group, offset=record.offset, error=str(error))
    try:
        await parking.park(group, record, error=f"unreadable: {error!r}", attempts=1)
    except Exception:
        await asyncio.sleep(RETRY_PAUSE_S)
        raise


# Every (Kafka group id, Kafka topic, group, contract topic) this process consumes, for its consumer-lag gauge.
SUBSCRIPTIONS: list[tuple[str, str, str, str]] = []


def subscribe(broker: KafkaBroker, topic: str, *, group: str, handler: Handler, parking: Parking = PARKING) -> None:
    """Route every event on `topic` to `handler` as an Envelope, for consumer group `group`."""
    failures = FailedDeliveries()
    group_id = get_settings().topic_prefix + group
    SUBSCRIPTIONS.append((group_id, get_settings().topic(topic), group, topic))

    @broker.subscriber(
        get_settings().topic(topic), group_id=group_id, ack_policy=AckPolicy.NACK_ON_ERROR, auto_offset_reset="earliest",
        title=f"{group}:{topic}", **consumer_options(get_settings()),
    )
    async def _consume(msg: KafkaMessage) -> None:
        # Take the raw message, not a decoded body: FastStream would parse the JSON itself because of
        # the content-type header, and the envelope needs the exact bytes and the CloudEvents headers.
        record: ConsumerRecord = msg.raw_message
        try:
            envelope = Envelope.from_kafka(msg.headers, msg.body)
        except _UNREADABLE as exc:
            await _park_unreadable(parking, group_id, record, exc)
            return
        with span_from_traceparent(f"process {topic}", envelope.traceparent, kind=SpanKind.CONSUMER,
                                   **messaging_attributes("process", record.topic, group=group_id,
                                                          key=record.key.decode() if record.key else None),
                                   **{"cloudevents.event_type": envelope.type}):
            try:
                await handler(envelope)
            except Exception as exc:
                log.exception("consumer.handler_failed", topic=topic, group=group,
                              event_type=envelope.type, event_id=str(envelope.id), job_id=envelope.subject)
                if await _gave_up(parking, failures, group_id, record, exc):
                    return
                raise
            failures.forget(record)


def _undecoded(msg: KafkaMessage) -> None:
    """Batch handlers read the raw records; spare FastStream decoding every body as JSON first."""


def subscribe_batch(broker: KafkaBroker, topic: str, *, group: str, handler: BatchHandler,
                    types: frozenset[str] | None = None, max_records: int = 500, timeout_ms: int = 20,
                    parking: Parking = PARKING) -> None:
    """Like `subscribe`, for a handler that applies many events in one transaction (`apply_batch_once`):
    up to `max_records` at a time, offsets committed after the handler returned. Records whose type is
    not in `types` are skipped without being parsed. When a batch fails for another reason than an outage,
    its events are applied one at a time, in order, so that only the failing one is counted (and parked)."""
    settings = get_settings()
    failures = FailedDeliveries()
    group_id = settings.topic_prefix + group
    SUBSCRIPTIONS.append((group_id, settings.topic(topic), group, topic))

    @broker.subscriber(
        settings.topic(topic), group_id=group_id, ack_policy=AckPolicy.NACK_ON_ERROR,
        auto_offset_reset="earliest", batch=True, max_records=max_records, batch_timeout_ms=timeout_ms,
        decoder=_undecoded, title=f"{group}:{topic}", **consumer_options(settings),
    )
    async def _consume(msg: KafkaMessage) -> None:
        envelopes, records = [], []
        for record in msg.raw_message:
            headers = {key: value.decode(errors="replace") for key, value in record.headers}
            if types is not None and headers.get("ce_type") not in types:
                continue
            try:
                envelopes.append(Envelope.from_kafka(headers, record.value))
                records.append(record)
            except _UNREADABLE as exc:
                await _park_unreadable(parking, group_id, record, exc)
        if not envelopes:
            return
        try:
            # When spans are exported, each event's trace gets a span for the batch that processed it.
            with process_spans(envelopes, topic=settings.topic(topic), group=group_id):
                await handler(envelopes)
        except Exception as exc:
            log.exception("consumer.batch_failed", topic=topic, group=group, events=len(envelopes))
            if is_outage(exc):  # every event would fail alike: wait for the database, blame none
                await asyncio.sleep(RETRY_PAUSE_S)
                raise
        else:
            for record in records:
                failures.forget(record)
            return
        # One at a time: the good events are applied now (the inbox skips them when the batch comes again),
        # the first failing one is counted, and the batch is delivered again until that one is parked.
        for envelope, record in zip(envelopes, records):
            try:
                await handler([envelope])
            except Exception as exc:
                log.exception("consumer.handler_failed", topic=topic, group=group, event_type=envelope.type,
                              event_id=str(envelope.id), job_id=envelope.subject)
                if not await _gave_up(parking, failures, group_id, record, exc):
                    raise
            else:
                failures.forget(record)


BatchEffect = Callable[[asyncpg.Connection, list[Envelope]], Awaitable[None]]


async def apply_batch_once(pool: asyncpg.Pool, schema: str, consumer: str, envelopes: list[Envelope],
                           effect: BatchEffect) -> int:
    """Run `effect` on the events this consumer has not applied yet (in their order, each once) and record
    them all in the inbox, in one transaction. Returns how many were new."""
    if not envelopes:
        return 0
    async with unit_of_work(pool) as conn:
        claimed = await inbox.claim_many(conn, schema, consumer, [envelope.id for envelope in envelopes])
        fresh = []
        for envelope in envelopes:
            if envelope.id in claimed:
                claimed.discard(envelope.id)  # an event twice in one batch counts once
                fresh.append(envelope)
        if fresh:
            await effect(conn, fresh)
    return len(fresh)


async def apply_once(pool: asyncpg.Pool, schema: str, consumer: str, envelope: Envelope, effect: Effect) -> bool:
    """Run `effect` and record the event in the inbox, in one transaction. False if already applied."""
    async with unit_of_work(pool) as conn:
        if not await inbox.claim(conn, schema, consumer, envelope.id):
            log.info("consumer.duplicate_skipped", consumer=consumer, event_id=str(envelope.id))
            return False
        await effect(conn)
        return True
