"""The events the watcher consumes → their effects, each in the inbox's unit of work (so an event
redelivered by Kafka changes nothing twice): a submitted job starts being followed."""

import asyncpg

from contracts.events import Envelope, JobSubmitted
from services.common.consumer import apply_once
from services.watcher import store
from services.watcher.changes import first_state

CONSUMER = "watcher"


async def on_event(pool: asyncpg.Pool, envelope: Envelope) -> None:
    event = envelope.data
    if isinstance(event, JobSubmitted):
        await apply_once(pool, store.SCHEMA, CONSUMER, envelope,
                         lambda conn: store.start_tracking(conn, event, first_state(event)))
