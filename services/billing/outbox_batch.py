"""Many outbox rows in one statement: the rater writes one UsageCharged per minute it books, and a
row-at-a-time insert (services/common/outbox.enqueue) would cost a round trip each.

The rows are the ones `outbox.enqueue` writes, read by the same relay. The Kafka key is the job id,
or the tenant id for an event about a tenant's account (no job) and for the usage stream.
"""

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import asyncpg

from contracts.events import Envelope, Event
from services.common.settings import get_settings
from services.common.tracing import current_traceparent


async def enqueue_many(conn: asyncpg.Connection, schema: str, events: Sequence[tuple[str, Event]], *,
                       source: str, now: datetime | None = None, key_by_tenant: bool = False) -> list[Envelope]:
    """Add each (topic, event) to the outbox inside the caller's transaction, stamped `now`; keyed by
    the tenant instead of the job with `key_by_tenant`."""
    if not events:
        return []
    settings, traceparent, time = get_settings(), current_traceparent(), now or datetime.now(UTC)
    envelopes = [Envelope(id=uuid.uuid4(), source=source, time=time, data=event, traceparent=traceparent)
                 for _, event in events]
    rows = [(envelope.id, settings.topic(topic),
             str(event.tenant_id if key_by_tenant or event.job_id is None else event.job_id),
             json.dumps(envelope.kafka_headers()), envelope.kafka_body().decode())
            for (topic, event), envelope in zip(events, envelopes, strict=True)]
    await conn.execute(
        f"""INSERT INTO {schema}.outbox (event_id, topic, key, headers, payload)
            SELECT i, t, k, h::jsonb, p FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[])
                   AS r(i, t, k, h, p)""",
        *(list(column) for column in zip(*rows, strict=True)),
    )
    await conn.execute("SELECT pg_notify($1, '')", f"{schema}_outbox")
    return envelopes
