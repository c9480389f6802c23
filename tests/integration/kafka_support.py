"""What the integration tests on the real Kafka share: a scratch topic, an idempotent producer, a consumer that
reads a topic back, and a command event to send through them."""

import asyncio
import uuid
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from contracts.events import JobCancelRequested


def cancel_event() -> JobCancelRequested:
    return JobCancelRequested(job_id=uuid.uuid4(), tenant_id=uuid.uuid4(), requested_at=datetime.now(UTC))


@asynccontextmanager
async def scratch_topic(bootstrap: str, name: str, partitions: int):
    """A topic of its own for one test, deleted afterwards."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])
        yield name
        await admin.delete_topics([name])
    finally:
        await admin.close()


@asynccontextmanager
async def idempotent_producer(bootstrap: str):
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        yield producer
    finally:
        await producer.stop()


async def consume(bootstrap: str, topic: str, count: int) -> list:
    """The first `count` records of `topic`, read by a consumer group of its own (20 s at most)."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                group_id=f"g-{uuid.uuid4().hex[:6]}")
    await consumer.start()
    try:
        records = []
        async with asyncio.timeout(20):
            while len(records) < count:
                batch = await consumer.getmany(timeout_ms=500)
                records.extend(r for rs in batch.values() for r in rs)
        return records
    finally:
        await consumer.stop()
