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

Handler = Callable[[Envelope], Awaitable[None]]
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


async def apply_once(pool: asyncpg.Pool, schema: str, consumer: str, envelope: Envelope, effect: Effect) -> bool:
    """Run `effect` and record the event in the inbox, in one transaction. False if already applied."""
    async with pool.acquire() as conn, conn.transaction():
        if not await inbox.claim(conn, schema, consumer, envelope.id):
            log.info("consumer.duplicate_skipped", consumer=consumer, event_id=str(envelope.id))
            return False
        await effect(conn)
        return True
