"""The dead-letter store (`dead_letters.dead_letters`): events a relay could not publish and messages a
consumer could not apply, kept with their error for the operator to retry or drop. It reads and writes in
the caller's transaction and decides nothing (`services/common/poison.py` decides what is parked)."""

import uuid
from dataclasses import dataclass

import asyncpg

_COLUMNS = """id, origin, service, consumer_group, topic, kafka_partition, kafka_offset, key, headers, payload,
              event_id, event_type, error, attempts, parked_at"""


@dataclass(frozen=True)
class KafkaRecord:
    """A message as it goes on the wire: what a dead letter keeps to be published again."""

    topic: str
    key: bytes | None
    headers: dict[str, str]
    payload: bytes
    partition: int | None = None
    offset: int | None = None

    @property
    def event_id(self) -> uuid.UUID | None:
        try:
            return uuid.UUID(self.headers["ce_id"])
        except (KeyError, ValueError):
            return None


async def park_unpublished(conn: asyncpg.Connection, service: str, record: KafkaRecord, *,
                           error: str, attempts: int) -> int:
    """Store an outbox row of `service` that cannot be published."""
    return await conn.fetchval(
        """INSERT INTO dead_letters.dead_letters (origin, service, topic, key, headers, payload, event_id,
                                                   event_type, error, attempts)
            VALUES ('outbox', $1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id""",
        service, record.topic, record.key, record.headers, record.payload, record.event_id,
        record.headers.get("ce_type"), error, attempts,
    )


async def park_unapplied(conn: asyncpg.Connection, service: str, group: str, record: KafkaRecord, *,
                         error: str, attempts: int) -> int | None:
    """Store a message consumer group `group` cannot apply; None when it was parked already (a redelivery)."""
    return await conn.fetchval(
        """INSERT INTO dead_letters.dead_letters (origin, service, consumer_group, topic, kafka_partition,
                                                   kafka_offset, key, headers, payload, event_id, event_type,
                                                   error, attempts)
            VALUES ('consumer', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
            ON CONFLICT (consumer_group, topic, kafka_partition, kafka_offset) WHERE origin = 'consumer'
            DO NOTHING RETURNING id""",
        service, group, record.topic, record.partition, record.offset, record.key, record.headers,
        record.payload, record.event_id, record.headers.get("ce_type"), error, attempts,
    )


async def page(conn: asyncpg.Connection | asyncpg.Pool, *, limit: int, after_id: int | None = None) -> list[asyncpg.Record]:
    """Dead letters oldest first, `limit` of them after id `after_id`."""
    return await conn.fetch(
        f"""SELECT {_COLUMNS} FROM dead_letters.dead_letters WHERE $1::bigint IS NULL OR id > $1
            ORDER BY id LIMIT $2""",
        after_id, limit,
    )


async def get(conn: asyncpg.Connection | asyncpg.Pool, id_: int, *, lock: bool = False) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM dead_letters.dead_letters WHERE id = $1{' FOR UPDATE' if lock else ''}", id_)


async def delete(conn: asyncpg.Connection, id_: int) -> bool:
    return await conn.fetchval("DELETE FROM dead_letters.dead_letters WHERE id = $1 RETURNING true", id_) or False


def record_of(row: asyncpg.Record) -> KafkaRecord:
    """The stored message, ready to be sent again."""
    return KafkaRecord(topic=row["topic"], key=row["key"], headers=row["headers"], payload=bytes(row["payload"]),
                       partition=row["kafka_partition"], offset=row["kafka_offset"])
