"""Internal API for SMN-style topics: create, list, delete, publish; subscriptions over http, https and
e-mail with the confirmation handshake; and the confirm / unsubscribe links subscribers follow."""

import re
import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.common.problems import Problem
from services.notifier import fanout, filters, smn, topic_store, urls
from services.notifier.config import NotifierSettings
from services.notifier.event_types import WebhookEventType

router = APIRouter()
TENANT_TOPICS = "/internal/tenants/{tenant_id}/topics"

TOPIC_NAME = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$"
_EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")


class TopicIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=TOPIC_NAME, examples=["job-failures"])
    event_types: list[WebhookEventType] = Field(default=[], max_length=20,
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

    subject: str = Field("", max_length=512)
    message: str = Field(min_length=1, max_length=256 * 1024)
    attributes: dict[str, str] = Field(default={}, max_length=10, description="what filter policies see")


class Published(BaseModel):
    message_id: str
    deliveries: int = Field(description="confirmed subscriptions whose filter policy passed")


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    protocol: Literal["http", "https", "email"]
    endpoint: str = Field(min_length=3, max_length=urls.MAX_URL_LENGTH)
    filter_policy: dict[str, Any] | None = None

    @field_validator("filter_policy")
    @classmethod
    def _policy(cls, value):
        return None if value is None else filters.validate(value)


class Subscription(BaseModel):
    id: uuid.UUID
    urn: str
    topic_id: uuid.UUID
    protocol: str
    endpoint: str
    filter_policy: dict | None
    status: Literal["unconfirmed", "confirmed"]
    created_at: datetime
    confirmed_at: datetime | None


class SubscriptionCreated(Subscription):
    signing_secret: str = Field(description="verifies the signature of this subscription's HTTP(S) messages; "
                                            "shown only here")


class SubscriptionList(BaseModel):
    items: list[Subscription]
    next_cursor: str | None = None


class LinkFollowed(BaseModel):
    subscription_id: uuid.UUID
    topic_urn: str
    status: Literal["confirmed", "unsubscribed"]


def _settings(request: Request) -> NotifierSettings:
    return request.app.state.runtime.settings


def _pool(request: Request):
    return request.app.state.runtime.pool


def _invalid(location: str, message: str) -> Problem:
    return Problem(422, "Invalid request", message, type_="invalid-request",
                   errors=[{"location": location, "message": message, "type": "value_error"}])


async def _topic(request: Request, tenant_id: uuid.UUID, topic_id: uuid.UUID):
    row = await topic_store.get_topic(_pool(request), tenant_id, topic_id)
    if row is None:
        raise Problem(404, "Not found", f"no topic {topic_id} for this tenant", type_="not-found")
    return row


def _subscription(row, topic_urn: str) -> dict:
    return dict(row) | {"urn": smn.subscription_urn(topic_urn, row["id"])}


@router.post(TENANT_TOPICS, status_code=201)
async def create_topic(tenant_id: uuid.UUID, body: TopicIn, request: Request) -> Topic:
    try:
        row = await topic_store.create_topic(
            _pool(request), topic_id=uuid.uuid4(), tenant_id=tenant_id, name=body.name,
            urn=smn.topic_urn(tenant_id, body.name), event_types=sorted(set(body.event_types)))
    except topic_store.AlreadyExists:
        raise Problem(409, "Conflict", f"a topic named {body.name} exists", type_="conflict") from None
    return Topic(**dict(row))


@router.get(TENANT_TOPICS)
async def list_topics(tenant_id: uuid.UUID, request: Request) -> TopicList:
    return TopicList(items=[Topic(**dict(row)) for row in await topic_store.list_topics(_pool(request), tenant_id)])


@router.get(TENANT_TOPICS + "/{topic_id}")
async def get_topic(tenant_id: uuid.UUID, topic_id: uuid.UUID, request: Request) -> Topic:
    return Topic(**dict(await _topic(request, tenant_id, topic_id)))


@router.delete(TENANT_TOPICS + "/{topic_id}", status_code=204)
async def delete_topic(tenant_id: uuid.UUID, topic_id: uuid.UUID, request: Request) -> Response:
    if not await topic_store.delete_topic(_pool(request), tenant_id, topic_id):
        raise Problem(404, "Not found", f"no topic {topic_id} for this tenant", type_="not-found")
    return Response(status_code=204)


@router.post(TENANT_TOPICS + "/{topic_id}/publish", status_code=202)
async def publish(tenant_id: uuid.UUID, topic_id: uuid.UUID, body: PublishIn, request: Request) -> Published:
    await _topic(request, tenant_id, topic_id)
    message_id = uuid.uuid4()
    async with _pool(request).acquire() as conn, conn.transaction():
        count = await fanout.publish(
            conn, tenant_id=tenant_id, topic_id=topic_id, message_id=message_id, subject=body.subject,
            message=body.message, attributes=body.attributes, at=datetime.now(UTC),
            public_url=_settings(request).public_base_url)
    return Published(message_id=message_id.hex, deliveries=count)


@router.post(TENANT_TOPICS + "/{topic_id}/subscriptions", status_code=201)
async def subscribe(tenant_id: uuid.UUID, topic_id: uuid.UUID, body: SubscriptionIn,
                    request: Request) -> SubscriptionCreated:
    settings = _settings(request)
    topic = await _topic(request, tenant_id, topic_id)
    if body.protocol == "email":
        if not _EMAIL.match(body.endpoint) or len(body.endpoint) > 254:
            raise _invalid("body.endpoint", "not an e-mail address")
    else:
        if not body.endpoint.lower().startswith(body.protocol + "://"):
            raise _invalid("body.endpoint", f"a {body.protocol} subscription needs a {body.protocol}:// URL")
        try:
            await urls.check(body.endpoint, allow_private=settings.webhook_allow_private)
        except urls.UrlRefused as exc:
            raise _invalid("body.endpoint", str(exc)) from None
    token, secret = smn.new_token(), smn.new_signing_secret()
    async with _pool(request).acquire() as conn, conn.transaction():
        try:
            row = await topic_store.create_subscription(
                conn, subscription_id=uuid.uuid4(), topic_id=topic_id, tenant_id=tenant_id, protocol=body.protocol,
                endpoint=body.endpoint, filter_policy=body.filter_policy, token=token, signing_secret=secret)
        except topic_store.AlreadyExists:
            raise Problem(409, "Conflict", "this endpoint is already subscribed to the topic",
                          type_="conflict") from None
        await fanout.ask_confirmation(conn, tenant_id=tenant_id, subscription=row, topic_urn=topic["urn"],
                                      token=token, secret=secret, at=datetime.now(UTC),
                                      public_url=settings.public_base_url)
    return SubscriptionCreated(**_subscription(row, topic["urn"]), signing_secret=secret)


@router.get(TENANT_TOPICS + "/{topic_id}/subscriptions")
async def list_subscriptions(tenant_id: uuid.UUID, topic_id: uuid.UUID, request: Request) -> SubscriptionList:
    topic = await _topic(request, tenant_id, topic_id)
    rows = await topic_store.list_subscriptions(_pool(request), tenant_id, topic_id)
    return SubscriptionList(items=[Subscription(**_subscription(row, topic["urn"])) for row in rows])


@router.delete(TENANT_TOPICS + "/{topic_id}/subscriptions/{subscription_id}", status_code=204)
async def unsubscribe(tenant_id: uuid.UUID, topic_id: uuid.UUID, subscription_id: uuid.UUID,
                      request: Request) -> Response:
    if not await topic_store.delete_subscription(_pool(request), tenant_id, topic_id, subscription_id):
        raise Problem(404, "Not found", f"no subscription {subscription_id} on this topic", type_="not-found")
    return Response(status_code=204)


@router.get("/internal/subscriptions/confirm")
async def confirm(token: str, request: Request) -> LinkFollowed:
    row = await topic_store.confirm(_pool(request), token)
    if row is None:
        raise Problem(404, "Not found", "no subscription waits for this link (unsubscribed?)", type_="not-found")
    return LinkFollowed(subscription_id=row["id"], topic_urn=row["topic_urn"], status="confirmed")


@router.get("/internal/subscriptions/unsubscribe")
async def unsubscribe_link(token: str, request: Request) -> LinkFollowed:
    row = await topic_store.unsubscribe(_pool(request), token)
    if row is None:
        raise Problem(404, "Not found", "no subscription for this link (already unsubscribed?)", type_="not-found")
    return LinkFollowed(subscription_id=row["id"], topic_urn=row["topic_urn"], status="unsubscribed")
