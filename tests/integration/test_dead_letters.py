"""Poison events on the real PostgreSQL and Kafka: the outbox relay parks what it cannot publish and goes
on, a consumer parks a message its handler keeps failing on and its partition moves on."""

import asyncio
import json
import uuid

import pytest
from aiokafka.errors import KafkaConnectionError
from faststream.kafka import KafkaBroker

from contracts.events import Envelope
from services.common import consumer, dead_letters, outbox
from services.common.poison import MAX_TRIES
from services.common.settings import get_settings
from tests.integration.kafka_support import cancel_event, consume, idempotent_producer, scratch_topic


@pytest.fixture
async def topic(infra):
    name = get_settings().topic(f"test.poison.{uuid.uuid4().hex[:8]}")
    async with scratch_topic(infra.kafka_bootstrap_servers, name, 1):
        yield name


@pytest.fixture
async def producer(infra):
    async with idempotent_producer(infra.kafka_bootstrap_servers) as producer:
        yield producer


@pytest.fixture(autouse=True)
async def no_dead_letters(pool):
    await pool.execute("TRUNCATE dead_letters.dead_letters")


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch):
    monkeypatch.setattr(consumer, "RETRY_PAUSE_S", 0.05)


async def enqueue_oversized(conn, schema: str, topic: str) -> uuid.UUID:
    """An outbox row over Kafka's 1 MiB, as a JobRequested with a huge env was before specs were bounded."""
    envelope = Envelope(source="test", data=cancel_event())
    await conn.execute(
        f"INSERT INTO {schema}.outbox (event_id, topic, key, headers, payload) VALUES ($1, $2, $3, $4, $5)",
        envelope.id, topic, envelope.subject, envelope.kafka_headers(), json.dumps({"pad": "x" * (1200 * 1024)}),
    )
    return envelope.id


async def test_an_oversized_event_is_parked_and_the_events_around_it_go_out_in_order(pool, infra, topic, producer):
    before, after = [cancel_event() for _ in range(3)], [cancel_event() for _ in range(3)]
    async with pool.acquire() as conn, conn.transaction():
        for event in before:
            await outbox.enqueue(conn, "gateway", topic, event, source="test")
        poison_id = await enqueue_oversized(conn, "gateway", topic)
        for event in after:
            await outbox.enqueue(conn, "gateway", topic, event, source="test")

    relay = outbox.OutboxRelay(pool, "gateway", producer)
    assert await relay.publish_pending() == 7
    assert await relay.publish_pending() == 0  # the parked row is out of the queue

    records = await consume(infra.kafka_bootstrap_servers, topic, 6)
    assert [json.loads(r.value)["job_id"] for r in records] == [str(e.job_id) for e in before + after]
    (parked,) = await dead_letters.page(pool, limit=10)
    assert (parked["origin"], parked["service"], parked["event_id"], parked["attempts"]) == \
        ("outbox", "gateway", poison_id, 1)
    assert "MessageSizeTooLarge" in parked["error"] and len(parked["payload"]) > 1024 * 1024


class BrokerAway:
    """A producer whose broker cannot be reached."""

    def __init__(self):
        self.sends = 0

    async def send(self, *args, **kwargs):
        self.sends += 1
        raise KafkaConnectionError("no broker")


async def test_while_the_broker_is_away_nothing_is_parked_and_everything_goes_out_when_it_is_back(
        pool, infra, topic, producer):
    events = [cancel_event() for _ in range(3)]
    async with pool.acquire() as conn, conn.transaction():
        for event in events:
            await outbox.enqueue(conn, "watcher", topic, event, source="test")
    away = BrokerAway()
    relay = outbox.OutboxRelay(pool, "watcher", away)
    for _ in range(3 * MAX_TRIES):
        assert await relay.publish_pending() == 0
    assert away.sends == 3 * MAX_TRIES  # one send per round: the rows behind an outage are not tried
    assert await dead_letters.page(pool, limit=10) == []

    assert await outbox.OutboxRelay(pool, "watcher", producer).publish_pending() == 3
    records = await consume(infra.kafka_bootstrap_servers, topic, 3)
    assert [json.loads(r.value)["job_id"] for r in records] == [str(e.job_id) for e in events]


async def produce(producer, topic: str, envelopes: list[Envelope]) -> None:
    for envelope in envelopes:
        await producer.send_and_wait(topic, envelope.kafka_body(), key=envelope.subject.encode(),
                                     headers=[(k, v.encode()) for k, v in envelope.kafka_headers().items()])


async def wait_for(condition, timeout_s: float = 30.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not await condition():
            await asyncio.sleep(0.05)


@pytest.mark.parametrize("batch", [False, True], ids=["one at a time", "batch"])
async def test_a_message_whose_handler_always_fails_is_parked_and_the_partition_moves_on(
        pool, infra, topic, producer, batch):
    good_before, poison, good_after = (Envelope(source="test", data=cancel_event()) for _ in range(3))
    applied: list[uuid.UUID] = []
    calls: dict[uuid.UUID, int] = {}

    async def one(envelope: Envelope) -> None:
        calls[envelope.id] = calls.get(envelope.id, 0) + 1
        if envelope.id == poison.id:
            raise ValueError("this event names a tenant that does not exist")
        if envelope.id not in applied:  # what the inbox does for a real handler
            applied.append(envelope.id)

    async def many(envelopes: list[Envelope]) -> None:
        if any(envelope.id == poison.id for envelope in envelopes):
            calls[poison.id] = calls.get(poison.id, 0) + 1
            if len(envelopes) == 1:
                raise ValueError("this event names a tenant that does not exist")
            raise ValueError("the batch fails as a whole")
        for envelope in envelopes:
            if envelope.id not in applied:
                applied.append(envelope.id)

    group = f"poison-{uuid.uuid4().hex[:6]}"
    broker = KafkaBroker(infra.kafka_bootstrap_servers)
    parking = consumer.Parking(pool)
    plain_topic = topic.removeprefix(get_settings().topic_prefix)
    if batch:
        consumer.subscribe_batch(broker, plain_topic, group=group, handler=many, parking=parking)
    else:
        consumer.subscribe(broker, plain_topic, group=group, handler=one, parking=parking)
    await produce(producer, topic, [good_before, poison, good_after])
    await broker.start()
    try:
        async def parked():
            return await dead_letters.page(pool, limit=10)

        await wait_for(parked)
        await wait_for(lambda: asyncio.sleep(0, result=good_after.id in applied))
    finally:
        await broker.stop()

    assert applied == [good_before.id, good_after.id]  # the good ones of the batch were never parked
    (row,) = await dead_letters.page(pool, limit=10)
    assert (row["origin"], row["consumer_group"], row["topic"], row["kafka_partition"], row["kafka_offset"]) == \
        ("consumer", get_settings().topic_prefix + group, topic, 0, 1)
    assert row["event_id"] == poison.id and row["attempts"] == MAX_TRIES
    assert "tenant that does not exist" in row["error"]
    assert bytes(row["payload"]) == poison.kafka_body() and row["headers"]["ce_type"] == poison.type


async def test_an_unreadable_message_is_parked_at_once_and_not_dropped(pool, infra, topic, producer):
    good = Envelope(source="test", data=cancel_event())
    bad_headers = [(k, v.encode()) for k, v in Envelope(source="test", data=cancel_event()).kafka_headers().items()]
    await producer.send_and_wait(topic, b'{"job_id": "not a uuid"}', headers=bad_headers)
    await produce(producer, topic, [good])
    applied = []

    async def handler(envelope: Envelope) -> None:
        applied.append(envelope.id)

    broker = KafkaBroker(infra.kafka_bootstrap_servers)
    consumer.subscribe(broker, topic.removeprefix(get_settings().topic_prefix), group=f"u-{uuid.uuid4().hex[:6]}",
                       handler=handler, parking=consumer.Parking(pool))
    await broker.start()
    try:
        await wait_for(lambda: asyncio.sleep(0, result=bool(applied)))
    finally:
        await broker.stop()
    (row,) = await dead_letters.page(pool, limit=10)
    assert row["attempts"] == 1 and row["error"].startswith("unreadable") and bytes(row["payload"]) == b'{"job_id": "not a uuid"}'
    assert applied == [good.id]


class RefusingOne:
    """The real producer, except that one event's send always fails for a reason no rule knows."""

    def __init__(self, producer, event_id: uuid.UUID):
        self._producer, self._event_id = producer, str(event_id)

    async def send(self, topic, *, value, key, headers):
        if dict(headers).get("ce_id") == self._event_id.encode():
            raise TypeError("cannot serialize this one")
        return await self._producer.send(topic, value=value, key=key, headers=headers)


async def test_an_event_failing_for_an_unknown_reason_is_parked_after_the_last_try(pool, infra, topic, producer):
    events = [cancel_event() for _ in range(3)]
    async with pool.acquire() as conn, conn.transaction():
        envelopes = [await outbox.enqueue(conn, "billing", topic, event, source="test") for event in events]
    relay = outbox.OutboxRelay(pool, "billing", RefusingOne(producer, envelopes[1].id))
    assert await relay.publish_pending() == 2  # the others went out; the failing one waits for its next try
    for _ in range(MAX_TRIES - 2):
        assert await relay.publish_pending() == 0
    assert await dead_letters.page(pool, limit=10) == []
    assert await relay.publish_pending() == 1
    (parked,) = await dead_letters.page(pool, limit=10)
    assert parked["event_id"] == envelopes[1].id and parked["attempts"] == MAX_TRIES and "TypeError" in parked["error"]
    records = await consume(infra.kafka_bootstrap_servers, topic, 2)
    assert [json.loads(r.value)["job_id"] for r in records] == [str(events[0].job_id), str(events[2].job_id)]
