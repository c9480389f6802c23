"""Transactional outbox: an event is written in the same transaction as the state it announces,
and a relay publishes committed rows to Kafka, oldest first, then marks them published.

Several relays may run side by side: each claims rows with FOR UPDATE SKIP LOCKED.
"""

import asyncio
import contextlib
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import asyncpg
from aiokafka import AIOKafkaProducer

from contracts.events import Envelope, Message
from services.common.logs import log
from services.common.settings import get_settings
from services.common.tracing import current_traceparent


def _channel(schema: str) -> str:
    return f"{schema}_outbox"


async def enqueue(conn: asyncpg.Connection, schema: str, topic: str, event: Message, *, source: str) -> Envelope:
    """Add `event` to the outbox inside the caller's transaction; the key is the job id."""
    envelope = Envelope(source=source, data=event, traceparent=current_traceparent())
    await conn.execute(
        f"""INSERT INTO {schema}.outbox (event_id, topic, key, headers, payload)
            VALUES ($1, $2, $3, $4, $5)""",
        envelope.id, get_settings().topic(topic), envelope.subject, envelope.kafka_headers(), envelope.kafka_body().decode(),
    )
    # Delivered at commit, so the relay wakes only for committed rows.
    await conn.execute("SELECT pg_notify($1, '')", _channel(schema))
    return envelope


async def enqueue_many(conn: asyncpg.Connection, schema: str, events: Sequence[tuple[str, Message]], *,
                       source: str, now: datetime | None = None, key_by_tenant: bool = False) -> list[Envelope]:
    """`enqueue` for many (topic, event) pairs in one statement (a row at a time costs a round trip each),
    stamped `now`; keyed by the tenant instead of the event's subject with `key_by_tenant`."""
    if not events:
        return []
    settings, traceparent, time = get_settings(), current_traceparent(), now or datetime.now(UTC)
    envelopes = [Envelope(id=uuid.uuid4(), source=source, time=time, data=event, traceparent=traceparent)
                 for _, event in events]
    await conn.execute(
        f"""INSERT INTO {schema}.outbox (event_id, topic, key, headers, payload)
            SELECT i, t, k, h::jsonb, p FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[])
                   AS r(i, t, k, h, p)""",
        [envelope.id for envelope in envelopes],
        [settings.topic(topic) for topic, _ in events],
        [str(envelope.tenant_id) if key_by_tenant else envelope.subject for envelope in envelopes],
        [json.dumps(envelope.kafka_headers()) for envelope in envelopes],
        [envelope.kafka_body().decode() for envelope in envelopes],
    )
    await conn.execute("SELECT pg_notify($1, '')", _channel(schema))
    return envelopes


class OutboxRelay:
    def __init__(self, pool: asyncpg.Pool, schema: str, producer: AIOKafkaProducer,
                 *, poll_s: float = 1.0, batch: int = 200):
        self._pool, self._schema, self._producer = pool, schema, producer
        self._poll_s, self._batch = poll_s, batch
        self._wake = asyncio.Event()

    async def run(self) -> None:
        listener = await self._pool.acquire()
        wake = lambda *_: self._wake.set()  # noqa: E731
        await listener.add_listener(_channel(self._schema), wake)
        try:
            while True:
                try:
                    published = await self.publish_pending()
                except (OSError, asyncpg.PostgresError, asyncio.TimeoutError) as exc:
                    log.warning("outbox.relay_error", error=repr(exc))
                    published = 0
                if published < self._batch:  # caught up: sleep until NOTIFY or the poll interval
                    self._wake.clear()
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self._poll_s)
        finally:
            # The connection may already be gone (database restarted); stopping must still finish.
            with contextlib.suppress(Exception):
                await listener.remove_listener(_channel(self._schema), wake)
                await self._pool.release(listener)

    async def publish_pending(self) -> int:
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                f"""SELECT id, topic, key, headers, payload FROM {self._schema}.outbox
                    WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED""",
                self._batch,
            )
            if not rows:
                return 0
            # Send in order and wait for every ack before marking the rows: an unacked row stays
            # unpublished and is sent again (the idempotent producer and the inboxes absorb repeats).
            futures = [
                await self._producer.send(
                    row["topic"],
                    value=row["payload"].encode(),
                    key=row["key"].encode(),
                    headers=[(k, v.encode()) for k, v in row["headers"].items()],
                )
                for row in rows
            ]
            await asyncio.gather(*futures)
            await conn.execute(
                f"UPDATE {self._schema}.outbox SET published_at = now() WHERE id = ANY($1::bigint[])",
                [row["id"] for row in rows],
            )
            return len(rows)
