"""SMN-style topics and subscriptions, answered by the notifier. The confirm and unsubscribe links that
subscribers follow need no API key: their token is the credential."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from contracts.inputs import Json, Text
from contracts.subscriptions import MAX_EVENT_TYPES, MAX_URL_LENGTH, TOPIC_NAME

from services.gateway.openapi import UPSTREAM_UNAVAILABLE
from services.gateway.paging import Cursor, Limit, paging
from services.gateway.proxy import forward
from services.gateway.routes.deps import Tenant, caps_to_pass, internal, settings
from services.gateway.tenant_caps import CONFIRMATION_EMAILS_PER_HOUR, SUBSCRIPTIONS_PER_TOPIC, TOPICS


router = APIRouter(tags=["topics"], responses=UPSTREAM_UNAVAILABLE)


class TopicIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=TOPIC_NAME, examples=["job-failures"])
    event_types: list[Text] = Field(default=[], max_length=MAX_EVENT_TYPES,
                                    description="Switchyard events published to the topic")


class PublishIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: Text = ""
    message: Text = Field(min_length=1)
    attributes: dict[Text, Text] = {}


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    protocol: Literal["http", "https", "email"]
    endpoint: Text = Field(min_length=3, max_length=MAX_URL_LENGTH, description="a URL, or an e-mail address")
    filter_policy: dict[Text, Json] | None = None


def _url(request: Request, tenant_id: uuid.UUID, rest: str = "") -> str:
    return f"{settings(request).notifier_url}/internal/tenants/{tenant_id}/topics{rest}"


@router.post("/v1/topics", status_code=201, responses={409: {
    "description": "conflict: a topic with that name exists; or cap-reached (`cap`, `limit`): the tenant has as "
                   "many topics as it may"}})
async def create_topic(body: TopicIn, request: Request, tenant_id: Tenant) -> Response:
    """A topic; the Switchyard events named in `event_types` are published to it."""
    return await forward(internal(request), "POST", _url(request, tenant_id), json=body.model_dump(),
                         params=await caps_to_pass(request, tenant_id, TOPICS))


@router.get("/v1/topics", responses={200: {"description": '{"items": [topic, ...], "next_cursor"}, oldest first'}})
async def list_topics(request: Request, tenant_id: Tenant, limit: Limit = 50, cursor: Cursor = None) -> Response:
    return await forward(internal(request), "GET", _url(request, tenant_id), params=paging(limit, cursor))


@router.get("/v1/topics/{topic_id}")
async def get_topic(topic_id: uuid.UUID, request: Request, tenant_id: Tenant) -> Response:
    return await forward(internal(request), "GET", _url(request, tenant_id, f"/{topic_id}"))


@router.delete("/v1/topics/{topic_id}", status_code=204)
async def delete_topic(topic_id: uuid.UUID, request: Request, tenant_id: Tenant) -> Response:
    return await forward(internal(request), "DELETE", _url(request, tenant_id, f"/{topic_id}"))


@router.post("/v1/topics/{topic_id}/publish", status_code=202)
async def publish(topic_id: uuid.UUID, body: PublishIn, request: Request, tenant_id: Tenant) -> Response:
    """Your own message to every confirmed subscription whose filter policy passes its attributes."""
    return await forward(internal(request), "POST", _url(request, tenant_id, f"/{topic_id}/publish"),
                         json=body.model_dump())


@router.post("/v1/topics/{topic_id}/subscriptions", status_code=201, responses={409: {
    "description": "conflict: the endpoint is subscribed already; or cap-reached (`cap`, `limit`): the topic has as "
                   "many subscriptions as it may (an e-mail past the tenant's confirmation mails per hour is a 429 "
                   "cap-reached with `Retry-After`)"}})
async def subscribe(topic_id: uuid.UUID, body: SubscriptionIn, request: Request, tenant_id: Tenant) -> Response:
    """Subscribe an http(s) URL or an e-mail address; it is `unconfirmed` until the link sent to it is followed."""
    return await forward(internal(request), "POST", _url(request, tenant_id, f"/{topic_id}/subscriptions"),
                         json=body.model_dump(),
                         params=await caps_to_pass(request, tenant_id, SUBSCRIPTIONS_PER_TOPIC,
                                                   CONFIRMATION_EMAILS_PER_HOUR))


@router.get("/v1/topics/{topic_id}/subscriptions",
            responses={200: {"description": '{"items": [subscription, ...], "next_cursor"}, oldest first'}})
async def list_subscriptions(topic_id: uuid.UUID, request: Request, tenant_id: Tenant, limit: Limit = 50,
                             cursor: Cursor = None) -> Response:
    return await forward(internal(request), "GET", _url(request, tenant_id, f"/{topic_id}/subscriptions"),
                         params=paging(limit, cursor))


@router.delete("/v1/topics/{topic_id}/subscriptions/{subscription_id}", status_code=204)
async def unsubscribe(topic_id: uuid.UUID, subscription_id: uuid.UUID, request: Request,
                      tenant_id: Tenant) -> Response:
    return await forward(internal(request), "DELETE",
                         _url(request, tenant_id, f"/{topic_id}/subscriptions/{subscription_id}"))


@router.get("/v1/subscriptions/confirm")
async def confirm(token: Annotated[Text, Query()], request: Request) -> Response:
    """The `subscribe_url` of a SubscriptionConfirmation message (or the link in the confirmation mail)."""
    return await forward(internal(request), "GET", f"{settings(request).notifier_url}/internal/subscriptions/confirm",
                         params={"token": token})


@router.get("/v1/subscriptions/unsubscribe")
async def unsubscribe_link(token: Annotated[Text, Query()], request: Request) -> Response:
    """The `unsubscribe_url` of every notification."""
    return await forward(internal(request), "GET",
                         f"{settings(request).notifier_url}/internal/subscriptions/unsubscribe", params={"token": token})
