"""Kafka consumers with an exactly-once effect.

Ack policy, explicitly: every subscriber uses FastStream's `AckPolicy.NACK_ON_ERROR`, which turns
Kafka auto-commit off. The offset is committed only after the handler returned, i.e. after its
PostgreSQL transaction (effect + inbox row) committed. When the handler raises, the consumer seeks
back and the event is delivered again; the inbox makes the repeat harmless.
"""

import asyncio
from collections.abc import Awaitable, Callable

import asyncpg
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage
from pydantic import ValidationError

from contracts.events import Envelope, UnknownEventType
from services.common import inbox
from services.common.logs import log
from services.common.settings import get_settings
from services.common.tracing import span_from_traceparent
from services.common.unit_of_work import unit_of_work

Handler = Callable[[Envelope], Awaitable[None]]
BatchHandler = Callable[[list[Envelope]], Awaitable[None]]
Effect = Callable[[asyncpg.Connection], Awaitable[None]]

RETRY_PAUSE_S = 1.0  # a failing handler pauses before the redelivery, so a DB outage is not a hot loop


def subscribe(broker: KafkaBroker, topic: str, *, group: str, handler: Handler) -> None:
    """Route every event on `topic` to `handler` as an Envelope, for consumer group `group`."""

    @broker.subscriber(
        get_settings().topic(topic), group_id=get_settings().topic_prefix + group, ack_policy=AckPolicy.NACK_ON_ERROR, auto_offset_reset="earliest",
        title=f"{group}:{topic}",
    )
    async def _consume(msg: KafkaMessage) -> None:
        # Take the raw message, not a decoded body: FastStream would parse the JSON itself because of
        # the content-type header, and the envelope needs the exact bytes and the CloudEvents headers.
        try:
            envelope = Envelope.from_kafka(msg.headers, msg.body)
        except (UnknownEventType, ValidationError, KeyError, ValueError) as exc:
            # A message no handler can read would block its partition forever: log and skip it.
            log.error("consumer.unreadable_message", topic=topic, group=group, error=str(exc))
            return
        with span_from_traceparent(f"consume {envelope.type}", envelope.traceparent,
                                   **{"messaging.destination": topic, "messaging.consumer_group": group}):
            try:
                await handler(envelope)
            except Exception:
                log.exception("consumer.handler_failed", topic=topic, group=group,
                              event_type=envelope.type, event_id=str(envelope.id), job_id=envelope.subject)
                await asyncio.sleep(RETRY_PAUSE_S)
                raise


def _undecoded(msg: KafkaMessage) -> None:
    """Batch handlers read the raw records; spare FastStream decoding every body as JSON first."""


def subscribe_batch(broker: KafkaBroker, topic: str, *, group: str, handler: BatchHandler,
                    types: frozenset[str] | None = None, max_records: int = 500, timeout_ms: int = 20) -> None:
    """Like `subscribe`, for a handler that applies many events in one transaction (`apply_batch_once`):
    up to `max_records` at a time, offsets committed after the handler returned. Records whose type is
    not in `types` are skipped without being parsed."""
    settings = get_settings()

    @broker.subscriber(
        settings.topic(topic), group_id=settings.topic_prefix + group, ack_policy=AckPolicy.NACK_ON_ERROR,
        auto_offset_reset="earliest", batch=True, max_records=max_records, batch_timeout_ms=timeout_ms,
        decoder=_undecoded, title=f"{group}:{topic}",
    )
    async def _consume(msg: KafkaMessage) -> None:
        envelopes = []
        for record in msg.raw_message:
            headers = {key: value.decode() for key, value in record.headers}
            if types is not None and headers.get("ce_type") not in types:
                continue
            try:
                envelopes.append(Envelope.from_kafka(headers, record.value))
            except (UnknownEventType, ValidationError, KeyError, ValueError) as exc:
                log.error("consumer.unreadable_message", topic=topic, group=group, error=str(exc))
        if not envelopes:
            return
        try:
            await handler(envelopes)
        except Exception:
            log.exception("consumer.batch_failed", topic=topic, group=group, events=len(envelopes))
            await asyncio.sleep(RETRY_PAUSE_S)
            raise


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
