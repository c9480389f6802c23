"""Routes for a tenant's SMN-style topics: create, list, read, delete, and publish a message to the
topic's confirmed subscriptions."""

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from contracts.inputs import Text
from contracts.subscriptions import MAX_EVENT_TYPES, TOPIC_NAME
from services.common import caps
from services.common.unit_of_work import unit_of_work
from services.notifier import fanout, smn
from services.notifier.event_types import WebhookEventType
from services.common.cursor import Cursor, Limit, decode_optional, page
from services.notifier.routes.deps import (
    TENANT_TOPICS, CapLimit, conflict, pool, settings, topic, topic_not_found,
)
from services.notifier.store import AlreadyExists, deliveries, subscriptions, topics

router = APIRouter()
TOPIC_DELETED = "topic deleted"  # why a deleted topic's queued deliveries are cancelled



class TopicIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=TOPIC_NAME, examples=["job-failures"])
    event_types: list[WebhookEventType] = Field(default=[], max_length=MAX_EVENT_TYPES,
                                                description="Switchyard events published to the topic")


class Topic(BaseModel):
    id: uuid.UUID
    urn: str
    name: str
    event_types: list[str]
    created_at: datetime


class TopicList(BaseModel):
    items: list[Topic]
    next_cursor: str | None = None


class PublishIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: Text = Field("", max_length=512)
    message: Text = Field(min_length=1, max_length=256 * 1024)
    attributes: dict[Text, Text] = Field(default={}, max_length=10, description="what filter policies see")


class Published(BaseModel):
    message_id: str
    deliveries: int = Field(description="confirmed subscriptions whose filter policy passed")


@router.post(TENANT_TOPICS, status_code=201)
async def create_topic(tenant_id: uuid.UUID, body: TopicIn, request: Request,
                       max_topics_per_tenant: CapLimit) -> Topic:
    cap = caps.Cap("max_topics_per_tenant", max_topics_per_tenant, "topics")
    async with unit_of_work(pool(request)) as conn:
        await caps.lock(conn, cap.name, tenant_id)
        if not cap.allows(await topics.count_live(conn, tenant_id)):
            raise caps.cap_reached(cap)
        try:
            row = await topics.create(
                conn, topic_id=uuid.uuid4(), tenant_id=tenant_id, name=body.name,
                urn=smn.topic_urn(tenant_id, body.name), event_types=sorted(set(body.event_types)))
        except AlreadyExists:
            raise conflict(f"a topic named {body.name} exists") from None
    return Topic(**dict(row))


@router.get(TENANT_TOPICS)
async def list_topics(tenant_id: uuid.UUID, request: Request, limit: Limit = 50, cursor: Cursor = None) -> TopicList:
    """Oldest first."""
    after = decode_optional(cursor)
    rows, next_cursor = page(await topics.of_tenant(pool(request), tenant_id, limit=limit + 1, after=after), limit)
    return TopicList(items=[Topic(**dict(row)) for row in rows], next_cursor=next_cursor)


@router.get(TENANT_TOPICS + "/{topic_id}")
async def get_topic(tenant_id: uuid.UUID, topic_id: uuid.UUID, request: Request) -> Topic:
    return Topic(**dict(await topic(request, tenant_id, topic_id)))


@router.delete(TENANT_TOPICS + "/{topic_id}", status_code=204)
async def delete_topic(tenant_id: uuid.UUID, topic_id: uuid.UUID, request: Request) -> Response:
    # The topic goes with its subscriptions, and what they had queued is cancelled.
    async with unit_of_work(pool(request)) as conn:
        if not await topics.delete(conn, tenant_id, topic_id):
            raise topic_not_found(topic_id)
        await deliveries.cancel_pending(conn, await subscriptions.delete_of_topic(conn, topic_id), TOPIC_DELETED)
    return Response(status_code=204)


@router.post(TENANT_TOPICS + "/{topic_id}/publish", status_code=202)
async def publish(tenant_id: uuid.UUID, topic_id: uuid.UUID, body: PublishIn, request: Request) -> Published:
    await topic(request, tenant_id, topic_id)
    message_id = uuid.uuid4()
    async with unit_of_work(pool(request)) as conn:
        count = await fanout.publish(
            conn, tenant_id=tenant_id, topic_id=topic_id, message_id=message_id, subject=body.subject,
            message=body.message, attributes=body.attributes, at=datetime.now(UTC),
            public_url=settings(request).public_base_url)
    return Published(message_id=message_id.hex, deliveries=count)
