"""Webhooks in depth on the real PostgreSQL: the retry schedule on a controllable clock, secret rotation,
abort-message, exhausted attempts, disabling and enabling, replay, test messages, the circuit breaker, the
per-endpoint concurrency limit and several workers sharing the queue."""

import asyncio
import json
import time
import uuid
from collections import Counter
from datetime import timedelta

from standardwebhooks import Webhook, WebhookVerificationError

from services.notifier.config import NotifierSettings
from services.notifier.fanout import delivery_id
from tests.integration.test_notifier_delivery import (
    DEV, FAST, FakeClock, api_client, attempts_of, delivery, endpoint, handle, in_status, receiver,  # noqa: F401
    running_worker, state_changed, wait_until,
)

SVIX = NotifierSettings(webhook_allow_private=True, webhook_timeout_s=2.0, public_url="http://gateway.test")


async def test_retries_follow_the_svix_schedule_on_the_clock(pool, receiver):
    clock = FakeClock()
    tenant, url = uuid.uuid4(), receiver.url("flaky/2")
    endpoint_id, _ = await endpoint(pool, tenant, url)
    envelope = state_changed(tenant)
    did = delivery_id(envelope.id, endpoint_id)
    t0 = clock.now

    async def attempted(n):
        row = await delivery(pool, did)
        return row if row["attempts"] >= n and row["leased_by"] is None else None

    async with running_worker(pool, SVIX, clock=clock, rand=lambda: 0.5):  # no jitter
        await handle(pool, envelope)
        row = await wait_until(lambda: attempted(1))
        assert row["status"] == "pending" and row["next_attempt_at"] == t0 + timedelta(seconds=5)  # immediately, then 5 s

        clock.advance(4.9)
        await asyncio.sleep(0.5)
        assert (await delivery(pool, did))["attempts"] == 1  # not before its time

        clock.advance(0.1)
        row = await wait_until(lambda: attempted(2))
        assert row["next_attempt_at"] == clock.now + timedelta(minutes=5)  # then 5 min

        clock.advance(299)
        await asyncio.sleep(0.5)
        assert (await delivery(pool, did))["attempts"] == 2
        clock.advance(1)
        row = await wait_until(lambda: in_status(pool, did, "delivered"))
    assert [a["at"] for a in await attempts_of(pool, did)] == [t0, t0 + timedelta(seconds=5), t0 + timedelta(
        seconds=305)]
    assert len(receiver.received(url)) == 3


async def test_rotation_signs_with_both_secrets_until_the_old_one_expires(pool, receiver):
    clock = FakeClock()
    tenant, url = uuid.uuid4(), receiver.url("ok")
    base = f"/internal/tenants/{tenant}/webhooks"
    async with api_client(pool, SVIX) as client:
        hook = (await client.post(base, json={"url": url, "event_types": ["job.running"]})).json()
        rotated = (await client.post(f"{base}/{hook['id']}/rotate-secret")).json()
        assert rotated["secret"] != hook["secret"]
        assert (await client.get(f"{base}/{hook['id']}")).json()["previous_secret_expires_at"] == rotated[
            "previous_secret_expires_at"]
    endpoint_id = uuid.UUID(hook["id"])
    first, second = state_changed(tenant), state_changed(tenant)
    async with running_worker(pool, SVIX, clock=clock):
        await handle(pool, first)
        assert await wait_until(lambda: in_status(pool, delivery_id(first.id, endpoint_id), "delivered"))
        clock.advance(86400 + 1)  # the old secret's 24 hours are over
        await handle(pool, second)
        assert await wait_until(lambda: in_status(pool, delivery_id(second.id, endpoint_id), "delivered"))
    (headers1, body1), (headers2, body2) = receiver.received(url)
    assert len(headers1["webhook-signature"].split()) == 2
    # The receiver's clock is the real one: check signatures made at the fake time with that time.
    headers2 = headers2 | {"webhook-timestamp": headers1["webhook-timestamp"]}
    for secret in (hook["secret"], rotated["secret"]):
        assert Webhook(secret).verify(body1, headers1)["type"] == "job.running"
    assert len(headers2["webhook-signature"].split()) == 1
    try:
        Webhook(hook["secret"]).verify(body2, headers2)
        raise AssertionError("the expired secret still signs")
    except WebhookVerificationError:
        pass


async def test_abort_message_stops_the_retries_without_announcing(pool, receiver):
    tenant = uuid.uuid4()
    endpoint_id, _ = await endpoint(pool, tenant, receiver.url("abort"))
    watcher, _ = await endpoint(pool, tenant, receiver.url("ok"), ["webhook.attempt_exhausted"])
    envelope = state_changed(tenant)
    async with running_worker(pool):
        await handle(pool, envelope)
        row = await wait_until(lambda: in_status(pool, delivery_id(envelope.id, endpoint_id), "failed"))
        await asyncio.sleep(0.3)
    assert row["attempts"] == 1 and row["last_status_code"] == 410
    assert not await pool.fetchval("SELECT count(*) FROM notifier.deliveries WHERE endpoint_id = $1", watcher)


async def test_exhausted_attempts_are_announced_to_the_other_endpoints_and_topics(pool, receiver):
    tenant = uuid.uuid4()
    failing, _ = await endpoint(pool, tenant, receiver.url("fail"))
    watcher_url = receiver.url("ok")
    watcher, secret = await endpoint(pool, tenant, watcher_url, ["webhook.attempt_exhausted"])
    topic_id = uuid.uuid4()
    await pool.execute("""INSERT INTO notifier.topics (id, tenant_id, name, urn, event_types)
                          VALUES ($1, $2, 'ops', 'urn:smn:switchyard:x:ops', ARRAY['webhook.attempt_exhausted'])""",
                       topic_id, tenant)
    await pool.execute("""INSERT INTO notifier.subscriptions (id, topic_id, tenant_id, protocol, endpoint, status,
                              confirmed_at, token, signing_secret)
                          VALUES ($1, $2, $3, 'http', $4, 'confirmed', now(), $5, 'smnsec_x')""",
                       uuid.uuid4(), topic_id, tenant, receiver.url("ok"), uuid.uuid4().hex)
    envelope = state_changed(tenant)
    async with running_worker(pool):  # 1 + 4 retries
        await handle(pool, envelope)
        assert await wait_until(lambda: in_status(pool, delivery_id(envelope.id, failing), "failed"))
        (headers, body), = await wait_until(lambda: asyncio.sleep(0, receiver.received(watcher_url)))
    payload = Webhook(secret).verify(body, headers)
    assert payload["type"] == "webhook.attempt_exhausted"
    assert payload["data"] | {"last_error": None} == {
        "endpoint_id": str(failing), "message_id": str(delivery_id(envelope.id, failing)), "event_type": "job.running",
        "attempts": 5, "last_status_code": 500, "last_error": None}
    topic_rows = await pool.fetch("SELECT event_type FROM notifier.deliveries WHERE channel = 'http' AND tenant_id = $1",
                                  tenant)
    assert [r["event_type"] for r in topic_rows] == ["webhook.attempt_exhausted"]


async def test_failing_for_days_disables_then_enable_and_replay_recover(pool, receiver):
    clock = FakeClock()
    settings = NotifierSettings(webhook_allow_private=True, **FAST | {"webhook_retry_schedule": (1.0,) * 20},
                                webhook_disable_after_s=3 * 86400, breaker_failures=100)
    tenant = uuid.uuid4()
    failing_url = receiver.url("flaky/3")  # fails three times, then would answer
    failing, secret = await endpoint(pool, tenant, failing_url, ["job.running"])
    watcher_url = receiver.url("ok")
    await endpoint(pool, tenant, watcher_url, ["endpoint.disabled"])
    first = state_changed(tenant)
    base = f"/internal/tenants/{tenant}/webhooks/{failing}"
    async with running_worker(pool, settings, clock=clock, rand=lambda: 0.5):
        await handle(pool, first)
        assert await wait_until(lambda: attempts_count(pool, delivery_id(first.id, failing), 1))
        clock.advance(2 * 86400)  # two days later: second failure, still enabled
        assert await wait_until(lambda: attempts_count(pool, delivery_id(first.id, failing), 2))
        clock.advance(86400)  # three days of failures: disabled
        assert await wait_until(lambda: in_status(pool, delivery_id(first.id, failing), "failed"))
        (headers, body), = await wait_until(lambda: asyncio.sleep(0, receiver.received(watcher_url)))
        announced = json.loads(body)
        assert announced["type"] == "endpoint.disabled" and announced["data"]["endpoint_id"] == str(failing)

        second = state_changed(tenant)
        await handle(pool, second)  # while disabled: recorded as failed, not sent
        row = await delivery(pool, delivery_id(second.id, failing))
        assert (row["status"], row["last_error"]) == ("failed", "endpoint disabled")
        async with api_client(pool, settings) as client:
            detail = (await client.get(base)).json()
            assert detail["status"] == "disabled" and "3 days" in detail["disabled_reason"]
            refused = await client.post(f"{base}/replay", json={"since": "2000-01-01T00:00:00Z"})
            assert refused.status_code == 409
            assert (await client.post(f"{base}/enable")).json()["status"] == "enabled"
            replayed = await client.post(f"{base}/replay", json={"since": "2000-01-01T00:00:00Z"})
            assert replayed.status_code == 202 and replayed.json() == {"replayed": 2}
        for envelope in (first, second):
            assert await wait_until(lambda: in_status(pool, delivery_id(envelope.id, failing), "delivered"))
    ids = Counter(h["webhook-id"] for h, _ in receiver.received(failing_url))
    assert ids == {str(delivery_id(first.id, failing)): 4, str(delivery_id(second.id, failing)): 1}


async def attempts_count(pool, did, n):
    row = await delivery(pool, did)
    return row["attempts"] >= n and row["leased_by"] is None


async def test_replay_resends_a_window_with_the_same_webhook_ids(pool, receiver):
    tenant, url = uuid.uuid4(), receiver.url("ok")
    endpoint_id, secret = await endpoint(pool, tenant, url)
    events = [state_changed(tenant) for _ in range(3)]
    async with running_worker(pool):
        for envelope in events:
            await handle(pool, envelope)
        for envelope in events:
            assert await wait_until(lambda: in_status(pool, delivery_id(envelope.id, endpoint_id), "delivered"))
        middle = await delivery(pool, delivery_id(events[1].id, endpoint_id))
        last = await delivery(pool, delivery_id(events[2].id, endpoint_id))
        async with api_client(pool, DEV) as client:
            response = await client.post(f"/internal/tenants/{tenant}/webhooks/{endpoint_id}/replay", json={
                "since": middle["created_at"].isoformat(), "until": last["created_at"].isoformat()})
            assert response.json() == {"replayed": 1}
            bad = await client.post(f"/internal/tenants/{tenant}/webhooks/{endpoint_id}/replay",
                                    json={"since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"})
            assert bad.status_code == 422
        assert await wait_until(lambda: asyncio.sleep(0, len(receiver.received(url)) == 4))
    ids = Counter(h["webhook-id"] for h, _ in receiver.received(url))
    assert ids[str(middle["id"])] == 2 and sum(ids.values()) == 4
    for headers, body in receiver.received(url):
        Webhook(secret).verify(body, headers)
    assert (await delivery(pool, middle["id"]))["attempts"] == 2


async def test_test_message_is_signed_and_sent(pool, receiver):
    tenant, url = uuid.uuid4(), receiver.url("ok")
    endpoint_id, secret = await endpoint(pool, tenant, url, ["job.failed"])
    async with api_client(pool, DEV) as client, running_worker(pool):
        sent = await client.post(f"/internal/tenants/{tenant}/webhooks/{endpoint_id}/test")
        assert sent.status_code == 202
        assert await wait_until(lambda: in_status(pool, uuid.UUID(sent.json()["id"]), "delivered"))
    (headers, body), = receiver.received(url)
    assert headers["webhook-id"] == sent.json()["id"]
    assert Webhook(secret).verify(body, headers)["type"] == "webhook.test"


async def test_breaker_opens_holds_back_and_probes_once(pool, receiver):
    clock = FakeClock()
    settings = NotifierSettings(webhook_allow_private=True, **FAST | {"webhook_retry_schedule": (1000.0,)},
                                breaker_failures=3, breaker_open_s=60, notifier_target_concurrency=1)
    tenant, url = uuid.uuid4(), receiver.url("fail")
    endpoint_id, _ = await endpoint(pool, tenant, url)
    events = [state_changed(tenant) for _ in range(6)]
    for envelope in events:
        await handle(pool, envelope)
    async with running_worker(pool, settings, clock=clock):
        health = await wait_until(lambda: pool.fetchrow(
            "SELECT * FROM notifier.target_health WHERE target_id = $1 AND open_until IS NOT NULL", endpoint_id))
        await asyncio.sleep(0.3)
        # Opened once three failures were recorded (results are recorded in batches, so an attempt or two more
        # may have gone out meanwhile); the rest are held back.
        sent = len(receiver.received(url))
        assert 3 <= sent < 6
        assert health["open_until"] == clock.now + timedelta(seconds=60)
        held = await pool.fetch("SELECT next_attempt_at FROM notifier.deliveries WHERE endpoint_id = $1 "
                                "AND attempts = 0", endpoint_id)
        assert len(held) == 6 - sent and all(r["next_attempt_at"] == health["open_until"] for r in held)

        another = state_changed(tenant)  # queued while open: waits too
        await handle(pool, another)
        assert (await delivery(pool, delivery_id(another.id, endpoint_id)))["next_attempt_at"] == health["open_until"]

        clock.advance(60)  # half-open: exactly one probe, which fails and reopens for twice as long
        reopened = await wait_until(lambda: pool.fetchrow(
            "SELECT * FROM notifier.target_health WHERE target_id = $1 AND trips = 2", endpoint_id))
        await asyncio.sleep(0.3)
        assert len(receiver.received(url)) == sent + 1
        assert reopened["open_until"] == clock.now + timedelta(seconds=120)


async def test_a_slow_endpoint_holds_few_slots_and_never_delays_a_healthy_one(pool, receiver):
    settings = NotifierSettings(webhook_allow_private=True, **FAST, notifier_target_concurrency=2,
                                notifier_concurrency=8)
    tenant = uuid.uuid4()
    slow_url, healthy_url = receiver.url("slow/1500"), receiver.url("ok")
    slow, _ = await endpoint(pool, tenant, slow_url)
    healthy, _ = await endpoint(pool, tenant, healthy_url)
    events = [state_changed(tenant) for _ in range(6)]
    async with running_worker(pool, settings):
        started = time.monotonic()
        for envelope in events:
            await handle(pool, envelope)
        for envelope in events:
            assert await wait_until(lambda: in_status(pool, delivery_id(envelope.id, healthy), "delivered"))
        healthy_done = time.monotonic() - started
        for envelope in events:
            assert await wait_until(lambda: in_status(pool, delivery_id(envelope.id, slow), "delivered"), 10)
    assert healthy_done < 1.0  # not behind the slow endpoint's 1.5 s answers
    path = slow_url.removeprefix(receiver.base)
    assert receiver.max_inflight[path] == 2


async def test_two_workers_share_the_queue_without_sending_twice(pool, receiver):
    tenant = uuid.uuid4()
    urls = [receiver.url("ok") for _ in range(4)]
    endpoints = [await endpoint(pool, tenant, url) for url in urls]
    events = [state_changed(tenant) for _ in range(50)]
    for envelope in events:
        await handle(pool, envelope)
    async with running_worker(pool), running_worker(pool):
        async def all_delivered():
            return await pool.fetchval("SELECT count(*) FROM notifier.deliveries WHERE tenant_id = $1 "
                                       "AND status = 'delivered'", tenant) == 200
        assert await wait_until(all_delivered, 15)
        await asyncio.sleep(0.3)
    ids = Counter(h["webhook-id"] for url in urls for h, _ in receiver.received(url))
    assert len(ids) == 200 and set(ids.values()) == {1}
    assert {str(delivery_id(e.id, endpoint_id)) for e in events for endpoint_id, _ in endpoints} == set(ids)
