"""Routes for a topic's subscriptions over http, https and e-mail: subscribe (which sends the
confirmation handshake), list, unsubscribe; and the confirm / unsubscribe links subscribers follow."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

import asyncpg
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from contracts.inputs import Json, Text
from contracts.subscriptions import MAX_URL_LENGTH
from services.common import caps
from services.common.unit_of_work import unit_of_work
from services.notifier import fanout, filters, smn, urls
from services.common.cursor import Cursor, Limit, decode_optional, page
from services.notifier.routes.deps import (
    TENANT_TOPICS, CapLimit, conflict, invalid, not_found, pool, settings, topic,
)
from services.notifier.store import AlreadyExists, deliveries, subscriptions

router = APIRouter()
SUBSCRIPTIONS = TENANT_TOPICS + "/{topic_id}/subscriptions"
UNSUBSCRIBED = "unsubscribed"  # why an ended subscription's queued deliveries are cancelled
MAIL_WINDOW = timedelta(hours=1)  # max_confirmation_emails_per_hour counts the mails queued over it


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    protocol: Literal["http", "https", "email"]
    endpoint: Text = Field(min_length=3, max_length=MAX_URL_LENGTH)
    filter_policy: dict[Text, Json] | None = None

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


def _subscription(row, topic_urn: str) -> dict:
    return dict(row) | {"urn": smn.subscription_urn(topic_urn, row["id"])}


async def _check_endpoint(request: Request, body: SubscriptionIn) -> None:
    if refusal := smn.endpoint_refusal(body.protocol, body.endpoint):
        raise invalid("body.endpoint", refusal)
    if body.protocol == "email":
        return
    try:
        await urls.check(body.endpoint, allow_private=settings(request).webhook_allow_private)
    except urls.UrlRefused as exc:
        raise invalid("body.endpoint", str(exc)) from None


async def _check_caps(conn: asyncpg.Connection, tenant_id: uuid.UUID, topic_id: uuid.UUID, protocol: str, *,
                      subscriptions_cap: caps.Cap, mails_cap: caps.Cap) -> None:
    """The topic's subscriptions cap (409), then for an e-mail the tenant's confirmation mails in the last hour
    (429 until the oldest leaves the hour): the mail goes to any address, so this is what keeps the notifier
    from relaying spam. Both counted under their locks, always taken in this order."""
    await caps.lock(conn, subscriptions_cap.name, topic_id)
    if not subscriptions_cap.allows(await subscriptions.count_live(conn, topic_id)):
        raise caps.cap_reached(subscriptions_cap)
    if protocol != "email":
        return
    await caps.lock(conn, mails_cap.name, tenant_id)
    sent = await deliveries.confirmation_mails_since(conn, tenant_id, MAIL_WINDOW.total_seconds())
    if not mails_cap.allows(sent.count):
        raise caps.cap_reached(mails_cap, retry_after_s=caps.window_retry_after(sent.oldest, MAIL_WINDOW, sent.now))


@router.post(SUBSCRIPTIONS, status_code=201)
async def subscribe(tenant_id: uuid.UUID, topic_id: uuid.UUID, body: SubscriptionIn, request: Request,
                    max_subscriptions_per_topic: CapLimit,
                    max_confirmation_emails_per_hour: CapLimit) -> SubscriptionCreated:
    topic_row = await topic(request, tenant_id, topic_id)
    await _check_endpoint(request, body)
    token, secret = smn.new_token(), smn.new_signing_secret()
    async with unit_of_work(pool(request)) as conn:
        await _check_caps(
            conn, tenant_id, topic_id, body.protocol,
            subscriptions_cap=caps.Cap("max_subscriptions_per_topic", max_subscriptions_per_topic,
                                       "subscriptions per topic"),
            mails_cap=caps.Cap("max_confirmation_emails_per_hour", max_confirmation_emails_per_hour,
                               "subscription confirmation e-mails per hour"))
        try:
            row = await subscriptions.create(
                conn, subscription_id=uuid.uuid4(), topic_id=topic_id, tenant_id=tenant_id, protocol=body.protocol,
                endpoint=body.endpoint, filter_policy=body.filter_policy, token=token, signing_secret=secret)
        except AlreadyExists:
            raise conflict("this endpoint is already subscribed to the topic") from None
        await fanout.ask_confirmation(conn, tenant_id=tenant_id, subscription=row, topic_urn=topic_row["urn"],
                                      token=token, secret=secret, at=datetime.now(UTC),
                                      public_url=settings(request).public_base_url)
    return SubscriptionCreated(**_subscription(row, topic_row["urn"]), signing_secret=secret)


@router.get(SUBSCRIPTIONS)
async def list_subscriptions(tenant_id: uuid.UUID, topic_id: uuid.UUID, request: Request, limit: Limit = 50,
                             cursor: Cursor = None) -> SubscriptionList:
    """Oldest first."""
    after = decode_optional(cursor)
    topic_row = await topic(request, tenant_id, topic_id)
    rows, next_cursor = page(await subscriptions.of_topic(pool(request), tenant_id, topic_id, limit=limit + 1,
                                                          after=after), limit)
    return SubscriptionList(items=[Subscription(**_subscription(row, topic_row["urn"])) for row in rows],
                            next_cursor=next_cursor)


@router.delete(SUBSCRIPTIONS + "/{subscription_id}", status_code=204)
async def unsubscribe(tenant_id: uuid.UUID, topic_id: uuid.UUID, subscription_id: uuid.UUID,
                      request: Request) -> Response:
    async with unit_of_work(pool(request)) as conn:
        if not await subscriptions.delete(conn, tenant_id, topic_id, subscription_id):
            raise not_found(f"no subscription {subscription_id} on this topic")
        await deliveries.cancel_pending(conn, [subscription_id], UNSUBSCRIBED)
    return Response(status_code=204)


def _followed(row: asyncpg.Record | None, status: str, missing: str) -> LinkFollowed:
    if row is None:
        raise not_found(missing)
    return LinkFollowed(subscription_id=row["id"], topic_urn=row["topic_urn"], status=status)


@router.get("/internal/subscriptions/confirm")
async def confirm(token: Annotated[Text, Query()], request: Request) -> LinkFollowed:
    row = await subscriptions.confirm(pool(request), token)
    return _followed(row, "confirmed", "no subscription waits for this link (unsubscribed?)")


@router.get("/internal/subscriptions/unsubscribe")
async def unsubscribe_link(token: Annotated[Text, Query()], request: Request) -> LinkFollowed:
    async with unit_of_work(pool(request)) as conn:
        row = await subscriptions.delete_by_token(conn, token)
        if row is not None:
            await deliveries.cancel_pending(conn, [row["id"]], UNSUBSCRIBED)
    return _followed(row, "unsubscribed", "no subscription for this link (already unsubscribed?)")
