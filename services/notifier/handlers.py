"""Job and billing events in, deliveries queued: in the inbox's transaction, so an event redelivered by
Kafka queues nothing twice."""

import asyncpg

from contracts.events import Envelope, JobSubmitted
from services.common.consumer import apply_once
from services.common.logs import log
from services.notifier import event_types, fanout
from services.notifier.store import job_kinds

SCHEMA = CONSUMER = "notifier"


async def on_event(pool: asyncpg.Pool, envelope: Envelope, *, public_url: str) -> None:
    event = envelope.data
    if isinstance(event, JobSubmitted):
        async def remember_kind(conn: asyncpg.Connection) -> None:
            await job_kinds.record(conn, event.job_id, event.kind)
        await apply_once(pool, SCHEMA, CONSUMER, envelope, remember_kind)
        return
    if event_types.from_envelope(envelope) is None:
        return  # nothing to tell anyone, so nothing to remember either

    async def queue(conn: asyncpg.Connection) -> None:
        kind = await job_kinds.get(conn, event.job_id) if event.job_id else None
        notification = event_types.from_envelope(envelope, kind)
        queued = await fanout.notify(conn, notification, public_url=public_url)
        if queued:
            log.info("notifier.queued", event_id=str(envelope.id), type=notification.type, deliveries=queued)

    await apply_once(pool, SCHEMA, CONSUMER, envelope, queue)
