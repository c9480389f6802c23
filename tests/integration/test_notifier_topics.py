"""SMN-style topics on the real PostgreSQL: the confirmation handshake over HTTP and over e-mail (a local
aiosmtpd), SMN's message format and signature, filter policies, publishing, unsubscribing."""

import asyncio
import email
import email.policy
import json
import uuid
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from contracts.status import JobStatus
from services.notifier import smn
from services.notifier.config import NotifierSettings
from services.notifier.fanout import delivery_id
from tests.integration.test_notifier_delivery import (
    FAST, PUBLIC, api_client, closed_port, handle, receiver, running_worker, state_changed, token_of,  # noqa: F401
    wait_until,
)


class Mailbox:
    def __init__(self):
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture(scope="module")
def smtp():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=closed_port())
    controller.start()
    yield mailbox, controller.port
    controller.stop()


@pytest.fixture(scope="module")
def settings(smtp):
    return NotifierSettings(webhook_allow_private=True, **FAST, smtp_host="127.0.0.1", smtp_port=smtp[1])


async def received(receiver, url: str, count: int) -> list[tuple[dict, dict]]:
    async def got():
        requests = receiver.received(url)
        return requests if len(requests) >= count else None
    requests = await wait_until(got)
    assert requests, f"nothing at {url}"
    return [(headers, json.loads(body)) for headers, body in requests]


async def test_http_subscription_confirms_then_gets_signed_notifications(pool, receiver, settings):
    tenant = uuid.uuid4()
    base = f"/internal/tenants/{tenant}/topics"
    url = receiver.url("ok")
    async with api_client(pool, settings) as client, running_worker(pool, settings):
        created = await client.post(base, json={"name": "job-failures", "event_types": ["job.failed"]})
        assert created.status_code == 201, created.text
        topic = created.json()
        assert topic["urn"] == f"urn:smn:switchyard:{tenant.hex}:job-failures"
        assert topic["event_types"] == ["job.failed"]
        assert (await client.post(base, json={"name": "job-failures"})).status_code == 409

        sub = await client.post(f"{base}/{topic['id']}/subscriptions", json={"protocol": "http", "endpoint": url})
        assert sub.status_code == 201, sub.text
        assert sub.json()["status"] == "unconfirmed"
        secret = sub.json()["signing_secret"]

        failed_early = state_changed(tenant, JobStatus.FAILED)
        await handle(pool, failed_early)  # before the confirmation: not for this subscriber

        (headers, confirmation), = await received(receiver, url, 1)
        assert headers["X-SMN-MESSAGE-TYPE"] == "SubscriptionConfirmation"
        assert headers["X-SMN-TOPIC-URN"] == topic["urn"] and headers["X-SMN-MESSAGE-ID"] == confirmation["message_id"]
        assert headers["X-SMN-SUBSCRIPTION-URN"] == sub.json()["urn"]
        assert confirmation["subscribe_url"].startswith(f"{PUBLIC}/v1/subscriptions/confirm?token=")
        assert smn.verify(confirmation, secret)

        # The subscriber GETs subscribe_url; the gateway forwards it here.
        confirmed = await client.get("/internal/subscriptions/confirm",
                                     params={"token": token_of(confirmation["subscribe_url"])})
        assert confirmed.json()["status"] == "confirmed"
        listed = (await client.get(f"{base}/{topic['id']}/subscriptions")).json()["items"]
        assert [s["status"] for s in listed] == ["confirmed"] and "signing_secret" not in listed[0]

        failed = state_changed(tenant, JobStatus.FAILED)
        await handle(pool, failed)
        await handle(pool, state_changed(tenant, JobStatus.SUCCEEDED))  # not a type of this topic
        _, (headers, message) = await received(receiver, url, 2)
    assert headers["X-SMN-MESSAGE-TYPE"] == "Notification" and headers["X-SMN-MESSAGE-ID"] == failed.id.hex
    assert set(message) >= {"message_id", "topic_urn", "subject", "message", "timestamp", "unsubscribe_url",
                            "signature"}
    assert smn.verify(message, secret)
    event = json.loads(message["message"])
    assert event["type"] == "job.failed" and event["data"]["job_id"] == str(failed.data.job_id)
    await asyncio.sleep(0.2)
    assert len(receiver.received(url)) == 2


async def test_filter_policies_choose_the_subscribers(pool, receiver, settings):
    tenant = uuid.uuid4()
    base = f"/internal/tenants/{tenant}/topics"
    urls = {name: receiver.url("ok") for name in ("modelarts_failed", "caip", "everything")}
    policies = {"modelarts_failed": {"vendor": ["modelarts"], "status": ["FAILED"]},
                "caip": {"vendor": ["caip"]}, "everything": None}
    async with api_client(pool, settings) as client, running_worker(pool, settings):
        topic = (await client.post(base, json={"name": "jobs", "event_types": ["job.failed", "job.running"]})).json()
        for name, url in urls.items():
            body = {"protocol": "http", "endpoint": url} | ({"filter_policy": policies[name]} if policies[name] else {})
            sub = await client.post(f"{base}/{topic['id']}/subscriptions", json=body)
            assert sub.status_code == 201, sub.text
            (_, confirmation), = await received(receiver, url, 1)
            await client.get("/internal/subscriptions/confirm", params={"token": token_of(confirmation["subscribe_url"])})
        bad = await client.post(f"{base}/{topic['id']}/subscriptions", json={
            "protocol": "http", "endpoint": receiver.url("ok"), "filter_policy": {"vendor": "modelarts"}})
        assert bad.status_code == 422 and bad.json()["errors"][0]["location"] == "body.filter_policy"

        events = [state_changed(tenant, JobStatus.FAILED, vendor="modelarts"),
                  state_changed(tenant, JobStatus.RUNNING, vendor="modelarts"),
                  state_changed(tenant, JobStatus.FAILED, vendor="caip")]
        for envelope in events:
            await handle(pool, envelope)
        await received(receiver, urls["everything"], 4)
        published = await client.post(f"{base}/{topic['id']}/publish", json={
            "subject": "maintenance", "message": "caip down at 02:00", "attributes": {"vendor": "caip"}})
        assert published.status_code == 202 and published.json()["deliveries"] == 2
        await received(receiver, urls["caip"], 3)
        await asyncio.sleep(0.2)

    def ids(name):
        return [m["message_id"] for _, m in [(h, json.loads(b)) for h, b in receiver.received(urls[name])][1:]]
    assert ids("modelarts_failed") == [events[0].id.hex]
    assert sorted(ids("caip")) == sorted([events[2].id.hex, published.json()["message_id"]])
    assert sorted(ids("everything")) == sorted([e.id.hex for e in events] + [published.json()["message_id"]])


async def test_email_subscription_is_confirmed_by_the_link_in_the_first_mail(pool, smtp, settings):
    mailbox, _ = smtp
    tenant, address = uuid.uuid4(), f"ops-{uuid.uuid4().hex[:6]}@example.com"
    base = f"/internal/tenants/{tenant}/topics"
    async with api_client(pool, settings) as client, running_worker(pool, settings):
        topic = (await client.post(base, json={"name": "billing", "event_types": ["job.failed"]})).json()
        bad = await client.post(f"{base}/{topic['id']}/subscriptions", json={"protocol": "email", "endpoint": "nope"})
        assert bad.status_code == 422
        sub = (await client.post(f"{base}/{topic['id']}/subscriptions",
                                 json={"protocol": "email", "endpoint": address})).json()
        assert sub["status"] == "unconfirmed"
        confirmation, = await wait_until(lambda: asyncio.sleep(0, mailbox.to(address)))
        assert confirmation["Subject"] == "Confirm your subscription to billing"
        link = next(line for line in confirmation.get_content().splitlines() if "confirm?token=" in line)
        await client.get("/internal/subscriptions/confirm", params={"token": token_of(link)})
        listed = (await client.get(f"{base}/{topic['id']}/subscriptions")).json()["items"]
        assert listed[0]["status"] == "confirmed"

        await client.post(f"{base}/{topic['id']}/publish", json={"subject": "Balance low", "message": "Top up."})
        _, note = await wait_until(lambda: asyncio.sleep(0, mailbox.to(address)[:2] if len(mailbox.to(address)) > 1
                                                         else None))
        assert note["Subject"] == "Balance low" and note["X-SMN-MESSAGE-TYPE"] == "Notification"
        unsubscribe = next(line for line in note.get_content().splitlines() if "unsubscribe?token=" in line)
        left = await client.get("/internal/subscriptions/unsubscribe", params={"token": token_of(unsubscribe)})
        assert left.json()["status"] == "unsubscribed"
        assert (await client.get(f"{base}/{topic['id']}/subscriptions")).json()["items"] == []
        published = await client.post(f"{base}/{topic['id']}/publish", json={"message": "nobody hears this"})
        assert published.json()["deliveries"] == 0


async def test_topic_lifecycle_and_refusals(pool, receiver, settings):
    tenant, other = uuid.uuid4(), uuid.uuid4()
    base = f"/internal/tenants/{tenant}/topics"
    async with api_client(pool, settings) as client:
        assert (await client.post(base, json={"name": "-bad"})).status_code == 422
        assert (await client.post(base, json={"name": "x", "event_types": ["job.exploded"]})).status_code == 422
        topic = (await client.post(base, json={"name": "t1"})).json()
        assert (await client.get(f"{base}/{topic['id']}")).json()["name"] == "t1"
        assert (await client.get(f"/internal/tenants/{other}/topics/{topic['id']}")).status_code == 404
        https_only = await client.post(f"{base}/{topic['id']}/subscriptions",
                                       json={"protocol": "https", "endpoint": receiver.url("ok")})
        assert https_only.status_code == 422  # an http:// URL for the https protocol
        sub = (await client.post(f"{base}/{topic['id']}/subscriptions",
                                 json={"protocol": "http", "endpoint": receiver.url("ok")})).json()
        again = await client.post(f"{base}/{topic['id']}/subscriptions",
                                  json={"protocol": "http", "endpoint": sub["endpoint"]})
        assert again.status_code == 409
        assert (await client.delete(f"{base}/{topic['id']}/subscriptions/{sub['id']}")).status_code == 204
        assert (await client.delete(f"{base}/{topic['id']}")).status_code == 204
        assert (await client.get(base)).json()["items"] == []
        assert (await client.get("/internal/subscriptions/confirm", params={"token": "nope"})).status_code == 404
    strict = NotifierSettings(webhook_allow_private=False)
    async with api_client(pool, strict) as client:
        topic = (await client.post(base, json={"name": "t2"})).json()
        refused = await client.post(f"{base}/{topic['id']}/subscriptions",
                                    json={"protocol": "http", "endpoint": "http://hooks.example.com/x"})
        assert refused.status_code == 422 and "https" in refused.json()["detail"]


async def test_ending_a_subscription_cancels_what_it_had_queued(pool, receiver, settings):
    tenant = uuid.uuid4()
    base = f"/internal/tenants/{tenant}/topics"

    async def confirmation_of(sub) -> tuple[str, str]:  # no worker runs: each confirmation stays queued
        sub_id = uuid.UUID(sub["id"])
        row = await pool.fetchrow("SELECT status, last_error FROM notifier.deliveries WHERE id = $1",
                                  delivery_id(sub_id, sub_id))
        return row["status"], row["last_error"]

    async with api_client(pool, settings) as client:
        topic = (await client.post(base, json={"name": "ends"})).json()
        subs = [(await client.post(f"{base}/{topic['id']}/subscriptions",
                                   json={"protocol": "http", "endpoint": receiver.url(f"ok?{n}")})).json()
                for n in range(3)]
        assert [await confirmation_of(sub) for sub in subs] == [("pending", None)] * 3
        removed, linked, kept = subs
        assert (await client.delete(f"{base}/{topic['id']}/subscriptions/{removed['id']}")).status_code == 204
        body = (await pool.fetchrow("SELECT body FROM notifier.deliveries WHERE subscription_id = $1",
                                    uuid.UUID(linked["id"])))["body"]
        left = await client.get("/internal/subscriptions/unsubscribe",
                                params={"token": token_of(json.loads(body)["subscribe_url"])})
        assert left.json()["status"] == "unsubscribed"
        assert await confirmation_of(removed) == await confirmation_of(linked) == ("cancelled", "unsubscribed")
        assert await confirmation_of(kept) == ("pending", None)
        assert (await client.delete(f"{base}/{topic['id']}")).status_code == 204
        assert await confirmation_of(kept) == ("cancelled", "topic deleted")
