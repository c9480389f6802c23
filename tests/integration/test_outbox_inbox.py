"""The outbox relay and the inbox on the real PostgreSQL and Kafka."""

import asyncio
import uuid

import pytest

from contracts.events import Envelope
from services.common import outbox
from services.common.consumer import apply_batch_once, apply_once
from tests.integration.kafka_support import cancel_event, consume, idempotent_producer, scratch_topic


@pytest.fixture
async def topic(infra):
    async with scratch_topic(infra.kafka_bootstrap_servers, f"test.outbox.{uuid.uuid4().hex[:8]}", 3) as name:
        yield name


@pytest.fixture
async def producer(infra):
    async with idempotent_producer(infra.kafka_bootstrap_servers) as producer:
        yield producer


async def test_committed_events_are_published_in_order_and_rolled_back_ones_never(pool, infra, topic, producer):
    events = [cancel_event() for _ in range(5)]
    async with pool.acquire() as conn:
        async with conn.transaction():
            for event in events:
                await outbox.enqueue(conn, "gateway", topic, event, source="test")
        with pytest.raises(RuntimeError):
            async with conn.transaction():
                await outbox.enqueue(conn, "gateway", topic, cancel_event(), source="test")
                raise RuntimeError("rolled back")

    relay = outbox.OutboxRelay(pool, "gateway", producer)
    assert await relay.publish_pending() == 5
    assert await relay.publish_pending() == 0  # marked published: nothing is sent twice

    records = await consume(infra.kafka_bootstrap_servers, topic, 5)
    received = [Envelope.from_kafka({k: v.decode() for k, v in r.headers}, r.value) for r in records]
    assert sorted(e.data.job_id for e in received) == sorted(e.job_id for e in events)
    assert all(r.key.decode() == str(Envelope.from_kafka({k: v.decode() for k, v in r.headers}, r.value).data.job_id)
               for r in records)


async def test_two_relays_never_publish_the_same_row(pool, infra, topic, producer):
    async with pool.acquire() as conn, conn.transaction():
        for _ in range(40):
            await outbox.enqueue(conn, "scheduler", topic, cancel_event(), source="test")
    relays = [outbox.OutboxRelay(pool, "scheduler", producer, batch=7) for _ in range(2)]

    async def drain(relay):
        total = 0
        while (n := await relay.publish_pending()):
            total += n
        return total

    counts = await asyncio.gather(*(drain(r) for r in relays))
    assert sum(counts) == 40
    records = await consume(infra.kafka_bootstrap_servers, topic, 40)
    ids = [dict(r.headers)["ce_id"] for r in records]
    assert len(ids) == len(set(ids)) == 40


async def test_inbox_applies_an_event_once(pool):
    envelope = Envelope(source="test", data=cancel_event())
    applied = []

    async def effect(conn):
        applied.append(await conn.fetchval("SELECT 1"))

    assert await apply_once(pool, "watcher", "test-consumer", envelope, effect) is True
    assert await apply_once(pool, "watcher", "test-consumer", envelope, effect) is False
    assert await apply_once(pool, "watcher", "other-consumer", envelope, effect) is True
    assert applied == [1, 1]


async def test_a_failed_effect_leaves_no_inbox_row(pool):
    envelope = Envelope(source="test", data=cancel_event())

    async def failing(conn):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await apply_once(pool, "watcher", "test-consumer", envelope, failing)

    async def ok(conn):
        pass

    assert await apply_once(pool, "watcher", "test-consumer", envelope, ok) is True


async def test_a_batch_applies_each_new_event_once_in_order(pool):
    first, second = (Envelope(source="test", data=cancel_event()) for _ in range(2))
    seen: list[list] = []

    async def effect(conn, fresh):
        seen.append([e.id for e in fresh])

    # a redelivered batch, and an event twice in one batch, apply nothing twice
    assert await apply_batch_once(pool, "watcher", "batch-consumer", [first, second, first], effect) == 2
    assert await apply_batch_once(pool, "watcher", "batch-consumer", [second, first], effect) == 0
    assert seen == [[first.id, second.id]]


async def test_many_events_go_into_the_outbox_in_one_statement_as_enqueue_writes_them(pool, infra, topic, producer):
    events = [cancel_event() for _ in range(30)]
    async with pool.acquire() as conn, conn.transaction():
        ids = await outbox.enqueue_many(conn, "notifier", [(topic, e) for e in events], source="test")
    rows = await pool.fetch("SELECT event_id, headers, payload FROM notifier.outbox WHERE event_id = ANY($1::uuid[]) "
                            "ORDER BY id", ids)
    assert [r["event_id"] for r in rows] == ids  # in the events' order
    assert [type(e).model_validate_json(r["payload"]) for e, r in zip(events, rows)] == events
    assert all(r["headers"]["ce_id"] == str(r["event_id"]) for r in rows)
    assert await outbox.OutboxRelay(pool, "notifier", producer).publish_pending() == 30
    records = await consume(infra.kafka_bootstrap_servers, topic, 30)
    received = {Envelope.from_kafka({k: v.decode() for k, v in r.headers}, r.value).data.job_id: r.key.decode()
                for r in records}
    assert received == {e.job_id: str(e.job_id) for e in events}  # keyed by the job, like enqueue
    async with pool.acquire() as conn, conn.transaction():  # the same event through enqueue: the same row
        single = await outbox.enqueue(conn, "notifier", topic, events[0], source="test")
    row = await pool.fetchrow("SELECT headers, payload FROM notifier.outbox WHERE event_id = $1", single.id)
    moving = ("ce_id", "ce_time")
    assert {k: v for k, v in row["headers"].items() if k not in moving} == {
        k: v for k, v in rows[0]["headers"].items() if k not in moving}
    assert row["payload"] == rows[0]["payload"]
