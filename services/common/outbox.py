"""Transactional outbox: an event is written in the same transaction as the state it announces,
and a relay publishes committed rows to Kafka, oldest first, then marks them published.

Several relays may run side by side: each claims rows with FOR UPDATE SKIP LOCKED.

A row the broker refuses for good (too large, say), or that failed `poison.MAX_TRIES` times for a reason
that is not an outage, is parked in `dead_letters` with its error and the relay goes on with the rows
behind it; while the broker is away rows are only retried, never parked.
"""

import asyncio
import functools
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from aiokafka.partitioner import DefaultPartitioner, murmur2
from opentelemetry.trace import SpanKind

from pydantic import SerializeAsAny, TypeAdapter

from contracts.events import Envelope, Message, subject_of
from services.common import dead_letters
from services.common.db import CONNECTION_ERRORS
from services.common.logs import log
from services.common.poison import Verdict, is_outage, publish_verdict
from services.common.settings import get_settings
from services.common.tracing import current_traceparent, exporting, messaging_attributes, span_from_traceparent
from services.common.wakeup import Wakeup


def _channel(schema: str) -> str:
    return f"{schema}_outbox"


async def enqueue(conn: asyncpg.Connection, schema: str, topic: str, event: Message, *, source: str) -> Envelope:
    """Add `event` to the outbox inside the caller's transaction; the key is the job id."""
    envelope = Envelope(source=source, data=event, traceparent=current_traceparent())
    # The NOTIFY goes with the insert (one round trip); it is delivered at commit, so the relay wakes only for
    # committed rows.
    await conn.execute(
        f"""WITH row AS (
                INSERT INTO {schema}.outbox (event_id, topic, key, headers, payload)
                VALUES ($1, $2, $3, $4, $5) RETURNING 1)
            SELECT pg_notify($6, '') FROM row""",
        envelope.id, get_settings().topic(topic), envelope.subject, envelope.kafka_headers(),
        envelope.kafka_body().decode(), _channel(schema),
    )
    return envelope


# One serializer for a whole batch of payloads, each as its own class (not as the base Message) says.
_PAYLOADS = TypeAdapter(list[SerializeAsAny[Message]])

# Rows straight from parallel arrays, in their order (ROWS FROM zips them, so the outbox ids follow the
# events); the headers and payloads come as one JSON array each, split by the database.
# The NOTIFY goes with the insert (one round trip); it is delivered at commit, like enqueue's.
_INSERT_MANY = """WITH rows AS (
    INSERT INTO {schema}.outbox (event_id, topic, key, headers, payload)
    SELECT i, t, k, h::jsonb, p::text
    FROM ROWS FROM (unnest($1::uuid[]), unnest($2::text[]), unnest($3::text[]),
                    json_array_elements($4::text::json), json_array_elements($5::text::json)) AS r(i, t, k, h, p)
    RETURNING 1)
    SELECT pg_notify($6, '')"""


async def enqueue_many(conn: asyncpg.Connection, schema: str, events: Sequence[tuple[str, Message]], *,
                       source: str, now: datetime | None = None, key_by_tenant: bool = False,
                       traceparents: Sequence[str | None] | None = None) -> list[uuid.UUID]:
    """`enqueue` for many (topic, event) pairs in one statement (a row at a time costs a round trip each),
    stamped `now`; keyed by the tenant instead of the event's subject with `key_by_tenant`; each event in the
    trace `traceparents` names for it (one per event) instead of the current one. Returns the event ids, in order.

    The rows are exactly what `enqueue` writes (Envelope's headers and body), built without an Envelope per
    event: one Envelope per event type gives the headers every event of that type shares, and the payloads
    are serialized in one call. A rater's batch is thousands of events, and per-event models cost more than
    the rest of its work."""
    if not events:
        return []
    settings, traceparent, time = get_settings(), current_traceparent(), now or datetime.now(UTC)
    ids = [uuid.uuid4() for _ in events]
    shared: dict[type, dict[str, str]] = {}
    topics, keys, headers = [], [], []
    for (topic, event), event_id in zip(events, ids):
        common = shared.get(type(event))
        if common is None:
            common = shared[type(event)] = Envelope(id=event_id, source=source, time=time, data=event,
                                                    traceparent=traceparent).kafka_headers()
            common.pop("ce_tenantid", None)
        subject = subject_of(event)
        row_headers = {**common, "ce_id": str(event_id), "ce_subject": subject}
        if traceparents is not None:
            row_headers.pop("traceparent", None)
            if traceparents[len(headers)]:
                row_headers["traceparent"] = traceparents[len(headers)]
        tenant_id = getattr(event, "tenant_id", None)
        if tenant_id is not None:
            row_headers["ce_tenantid"] = str(tenant_id)
        topics.append(settings.topic(topic))
        keys.append(str(tenant_id) if key_by_tenant else subject)
        headers.append(row_headers)
    payloads = _PAYLOADS.dump_json([event for _, event in events])
    await conn.execute(_INSERT_MANY.format(schema=schema), ids, topics, keys, json.dumps(headers), payloads.decode(),
                       _channel(schema))
    return ids


# aiokafka hashes every key in pure Python (murmur2, as the Java client does), which cost the relay more than
# the rest of a send; the keys (job and tenant ids) repeat, so their hashes are remembered.
_key_hash = functools.lru_cache(maxsize=1 << 16)(murmur2)


def key_partitioner(key: bytes | None, all_partitions: list[int], available: list[int]) -> int:
    """aiokafka's DefaultPartitioner (the same partition for the same key, as every other client picks),
    with the key's hash cached; for the relay's producer (`partitioner=`)."""
    if key is None:
        return DefaultPartitioner()(key, all_partitions, available)
    return all_partitions[(_key_hash(key) & 0x7FFFFFFF) % len(all_partitions)]


class OutboxRelay:
    def __init__(self, pool: asyncpg.Pool, schema: str, producer: AIOKafkaProducer,
                 *, poll_s: float = 1.0, batch: int = 1000):
        self._pool, self._schema, self._producer = pool, schema, producer
        self._poll_s, self._batch = poll_s, batch
        self._wake = Wakeup(pool, _channel(schema))
        # Failed tries per outbox row, counted in process: a restarted relay gives a failing row
        # MAX_TRIES more, which only delays its parking, and keeps the outbox table as it is.
        self._tries: dict[int, int] = {}

    async def run(self) -> None:
        try:
            while True:
                self._wake.clear()
                try:
                    published = await self.publish_pending()
                except (*CONNECTION_ERRORS, asyncpg.PostgresError, KafkaError) as exc:
                    log.warning("outbox.relay_error", error=repr(exc))
                    published = 0
                if published < self._batch:  # caught up: sleep until NOTIFY or the poll interval
                    await self._wake.wait(self._poll_s)
        finally:
            await self._wake.close()

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
            sends = []
            for row in rows:
                sends.append(await self._send(row))
                if sends[-1].done() and is_outage(sends[-1].exception()):
                    break  # the broker is away: the rows behind would wait as long to fail alike
            rows = rows[:len(sends)]
            outcomes = await asyncio.gather(*sends, return_exceptions=True)
            done = []
            for row, outcome in zip(rows, outcomes):
                if not isinstance(outcome, BaseException):
                    done.append(row["id"])
                    self._tries.pop(row["id"], None)
                elif await self._gave_up(conn, row, outcome):
                    done.append(row["id"])  # out of the queue: its copy is in dead_letters
            await conn.execute(
                f"UPDATE {self._schema}.outbox SET published_at = now() WHERE id = ANY($1::bigint[])", done,
            )
            return len(done)

    async def _send(self, row: asyncpg.Record) -> asyncio.Future:
        """The ack of one row's send; a send refused at once (a record too large) is a failed future."""
        headers = row["headers"]
        try:
            if exporting() and headers.get("traceparent"):  # a send span in the writer's trace, carried on
                with span_from_traceparent(f"send {row['topic']}", headers.get("traceparent"), kind=SpanKind.PRODUCER,
                                           **messaging_attributes("send", row["topic"], key=row["key"])):
                    headers = {**headers, "traceparent": current_traceparent()}
            return await self._producer.send(
                row["topic"], value=row["payload"].encode(), key=row["key"].encode(),
                headers=[(k, v.encode()) for k, v in headers.items()],
            )
        except Exception as exc:  # whatever it is, the row is judged by publish_verdict, not left to block
            failed = asyncio.get_running_loop().create_future()
            failed.set_exception(exc)
            return failed

    async def _gave_up(self, conn: asyncpg.Connection, row: asyncpg.Record, error: BaseException) -> bool:
        """Park the row when its error says so (in this transaction), else leave it for the next round."""
        tries = self._tries.get(row["id"], 0) + 1
        if publish_verdict(error, tries) is Verdict.RETRY:
            self._tries[row["id"]] = tries
            log.warning("outbox.publish_failed", schema=self._schema, outbox_id=row["id"], tries=tries,
                        error=repr(error))
            return False
        record = dead_letters.KafkaRecord(topic=row["topic"], key=row["key"].encode(), headers=row["headers"],
                                          payload=row["payload"].encode())
        dead_letter = await dead_letters.park_unpublished(conn, self._schema, record, error=repr(error),
                                                          attempts=tries)
        self._tries.pop(row["id"], None)
        log.error("outbox.event_parked", schema=self._schema, outbox_id=row["id"], dead_letter_id=dead_letter,
                  event_type=row["headers"].get("ce_type"), error=repr(error))
        return True
