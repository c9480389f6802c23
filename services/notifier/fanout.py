"""Queueing a notification for everyone who should get it, in the caller's transaction: the tenant's
webhook endpoints subscribed to its type, and the confirmed subscriptions of its topics that carry the
type and whose filter policy passes. Delivery ids derive from (notification, target), so the same
notification never queues twice for one target."""

import json
import uuid
from datetime import datetime

import asyncpg

from services.notifier import filters, smn
from services.notifier.event_types import Notification
from services.notifier.store import deliveries, endpoints, subscriptions
from services.notifier.store.deliveries import Queued

DELIVERY_NAMESPACE = uuid.UUID("0b6f1c55-3c1e-4f7e-9a55-6b1f0d7c2e01")
TOPIC_MESSAGE = "topic.message"  # event_type of a tenant's own published message
CONFIRMATION = "subscription.confirmation"
ENDPOINT_DISABLED = "endpoint disabled"  # why a disabled endpoint's deliveries fail


def delivery_id(event_id: uuid.UUID, target_id: uuid.UUID) -> uuid.UUID:
    """Derived, never random: a replayed event maps onto the delivery it already queued.
    For webhooks it is also the `webhook-id` every attempt carries."""
    return uuid.uuid5(DELIVERY_NAMESPACE, f"{event_id}:{target_id}")


def confirm_url(public_url: str, token: str) -> str:
    return f"{public_url}/v1/subscriptions/confirm?token={token}"


def unsubscribe_url(public_url: str, token: str) -> str:
    return f"{public_url}/v1/subscriptions/unsubscribe?token={token}"


def channel(protocol: str) -> str:
    return "email" if protocol == "email" else "http"


async def notify(conn: asyncpg.Connection, notification: Notification, *, public_url: str,
                 except_endpoint: uuid.UUID | None = None) -> int:
    """Queue `notification` for the tenant's endpoints and topics; returns how many deliveries."""
    queued = [
        Queued(delivery_id(notification.id, row["id"]), "webhook", notification.body(), endpoint_id=row["id"],
               failed_because=ENDPOINT_DISABLED if row["disabled"] else None)
        for row in await endpoints.subscribed(conn, notification.tenant_id, notification.type)
        if row["id"] != except_endpoint
    ]
    subscribers = await subscriptions.confirmed(conn, notification.tenant_id, event_type=notification.type)
    queued += _topic_deliveries(subscribers, message_id=notification.id, subject=notification.subject,
                                message=notification.body(), at=notification.at,
                                attributes=notification.attributes, public_url=public_url)
    await deliveries.queue(conn, queued, tenant_id=notification.tenant_id, event_id=notification.id,
                           event_type=notification.type)
    return len(queued)


async def publish(conn: asyncpg.Connection, *, tenant_id: uuid.UUID, topic_id: uuid.UUID, message_id: uuid.UUID,
                  subject: str, message: str, attributes: dict[str, str], at: datetime, public_url: str) -> int:
    """A tenant's own message to one of its topics."""
    subscribers = await subscriptions.confirmed(conn, tenant_id, topic_id=topic_id)
    queued = _topic_deliveries(subscribers, message_id=message_id, subject=subject, message=message, at=at,
                               attributes=attributes, public_url=public_url)
    await deliveries.queue(conn, queued, tenant_id=tenant_id, event_id=message_id, event_type=TOPIC_MESSAGE)
    return len(queued)


async def ask_confirmation(conn: asyncpg.Connection, *, tenant_id: uuid.UUID, subscription: asyncpg.Record,
                           topic_urn: str, token: str, secret: str, at: datetime, public_url: str) -> None:
    """Queue the SubscriptionConfirmation message (HTTP) or mail with the link that confirms."""
    message_id = delivery_id(subscription["id"], subscription["id"])
    body = smn.confirmation(message_id=message_id.hex, topic_urn_=topic_urn,
                            subscribe_url=confirm_url(public_url, token), at=at, secret=secret)
    await deliveries.queue(conn, [Queued(message_id, channel(subscription["protocol"]), json.dumps(body),
                                         subscription_id=subscription["id"])],
                           tenant_id=tenant_id, event_id=message_id, event_type=CONFIRMATION)


def _topic_deliveries(subscribers: list[asyncpg.Record], *, message_id: uuid.UUID, subject: str, message: str,
                      at: datetime, attributes: dict[str, str | None], public_url: str) -> list[Queued]:
    return [
        Queued(delivery_id(message_id, sub["id"]), channel(sub["protocol"]), json.dumps(smn.notification(
            message_id=message_id.hex, topic_urn_=sub["urn"], subject=subject, message=message, at=at,
            unsubscribe_url=unsubscribe_url(public_url, sub["token"]), secret=sub["signing_secret"],
        )), subscription_id=sub["id"])
        for sub in subscribers if filters.matches(sub["filter_policy"], attributes)
    ]
