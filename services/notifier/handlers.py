"""Job events in, webhook deliveries queued: one per subscribed endpoint, in the inbox's transaction."""

import uuid

import asyncpg

from contracts.events import Envelope
from services.common.consumer import apply_once
from services.common.logs import log
from services.notifier import store
from services.notifier.event_types import webhook_event

SCHEMA = CONSUMER = "notifier"
DELIVERY_NAMESPACE = uuid.UUID("0b6f1c55-3c1e-4f7e-9a55-6b1f0d7c2e01")


def delivery_id(event_id: uuid.UUID, endpoint_id: uuid.UUID) -> uuid.UUID:
    """Derived, never random: a replayed event maps onto the delivery it already queued.
    Also the `webhook-id` every attempt carries."""
    return uuid.uuid5(DELIVERY_NAMESPACE, f"{event_id}:{endpoint_id}")


async def on_job_event(pool: asyncpg.Pool, envelope: Envelope) -> None:
    webhook = webhook_event(envelope)
    if webhook is None:
        return  # nothing to tell anyone, so nothing to remember either

    async def queue(conn: asyncpg.Connection) -> None:
        endpoints = await store.subscribed_endpoints(conn, envelope.tenant_id, webhook.type)
        if not endpoints:
            return
        await store.queue_deliveries(
            conn, [(delivery_id(envelope.id, endpoint_id), endpoint_id) for endpoint_id in endpoints],
            tenant_id=envelope.tenant_id, event_id=envelope.id, event_type=webhook.type, body=webhook.body(),
        )
        log.info("notifier.deliveries_queued", event_id=str(envelope.id), job_id=envelope.subject,
                 webhook_type=webhook.type, endpoints=len(endpoints))

    await apply_once(pool, SCHEMA, CONSUMER, envelope, queue)
