"""The notifier's caps per tenant on the real PostgreSQL: webhooks, topics, subscriptions per topic and
confirmation e-mails per hour, each against the limit in force passed with the create (as the gateway passes it).
Concurrent creates count one after the other, so exactly the cap's number pass."""

import asyncio
import uuid

from services.notifier.config import NotifierSettings
from tests.integration.test_notifier_delivery import FAST, GENEROUS_CAPS, api_client

SETTINGS = NotifierSettings(webhook_allow_private=True, **FAST)
CAPS = {"max_webhooks_per_tenant": 3, "max_topics_per_tenant": 2, "max_subscriptions_per_topic": 2,
        "max_confirmation_emails_per_hour": 2}
HOOK = {"url": "http://127.0.0.1:9/hook", "event_types": ["job.failed"]}


def assert_cap_reached(response, status: int, cap: str, limit: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/cap-reached") and (body["cap"], body["limit"]) == (cap, limit)


async def test_concurrent_webhook_creates_pass_the_cap_exactly_and_a_delete_frees_a_place(pool):
    base = f"/internal/tenants/{uuid.uuid4()}/webhooks"
    async with api_client(pool, SETTINGS, CAPS) as client:
        answers = await asyncio.gather(*(client.post(base, json=HOOK) for _ in range(10)))
        assert sorted(a.status_code for a in answers) == [201] * 3 + [409] * 7
        assert_cap_reached(next(a for a in answers if a.status_code == 409), 409, "max_webhooks_per_tenant", 3)
        assert len((await client.get(base)).json()["items"]) == 3
        other_tenant = await client.post(f"/internal/tenants/{uuid.uuid4()}/webhooks", json=HOOK)
        assert other_tenant.status_code == 201
        first = next(a for a in answers if a.status_code == 201).json()
        assert (await client.delete(f"{base}/{first['id']}")).status_code == 204
        assert (await client.post(base, json=HOOK)).status_code == 201


async def test_concurrent_topic_creates_pass_the_cap_exactly(pool):
    base = f"/internal/tenants/{uuid.uuid4()}/topics"
    async with api_client(pool, SETTINGS, CAPS) as client:
        answers = await asyncio.gather(*(client.post(base, json={"name": f"t{i}"}) for i in range(6)))
        assert sorted(a.status_code for a in answers) == [201] * 2 + [409] * 4
        assert_cap_reached(next(a for a in answers if a.status_code == 409), 409, "max_topics_per_tenant", 2)


async def test_subscriptions_are_capped_per_topic(pool):
    base = f"/internal/tenants/{uuid.uuid4()}/topics"
    async with api_client(pool, SETTINGS, CAPS) as client:
        one, two = [(await client.post(base, json={"name": name})).json() for name in ("one", "two")]
        answers = await asyncio.gather(*(
            client.post(f"{base}/{one['id']}/subscriptions",
                        json={"protocol": "http", "endpoint": f"http://127.0.0.1:9/s{i}"}) for i in range(5)))
        assert sorted(a.status_code for a in answers) == [201] * 2 + [409] * 3
        assert_cap_reached(next(a for a in answers if a.status_code == 409), 409, "max_subscriptions_per_topic", 2)
        on_the_other = await client.post(f"{base}/{two['id']}/subscriptions",
                                         json={"protocol": "http", "endpoint": "http://127.0.0.1:9/s0"})
        assert on_the_other.status_code == 201


async def test_confirmation_mails_are_capped_per_tenant_and_hour_with_retry_after(pool):
    base = f"/internal/tenants/{uuid.uuid4()}/topics"
    async with api_client(pool, SETTINGS, CAPS) as client:
        one, two = [(await client.post(base, json={"name": name})).json() for name in ("one", "two")]
        mailed = [await client.post(f"{base}/{topic['id']}/subscriptions",
                                    json={"protocol": "email", "endpoint": f"ops{i}@example.com"})
                  for i, topic in enumerate((one, two))]
        assert [m.status_code for m in mailed] == [201, 201]
        refused = await client.post(f"{base}/{two['id']}/subscriptions",
                                    json={"protocol": "email", "endpoint": "third@example.com"})
        assert_cap_reached(refused, 429, "max_confirmation_emails_per_hour", 2)
        assert 3500 < int(refused.headers["Retry-After"]) <= 3600 and refused.json()["retry_after_s"] > 3500
        http_still = await client.post(f"{base}/{two['id']}/subscriptions",
                                       json={"protocol": "http", "endpoint": "http://127.0.0.1:9/x"})
        assert http_still.status_code == 201  # only e-mails are mailed


async def test_each_create_is_held_to_the_limit_it_is_given_so_a_change_holds_at_once(pool):
    base = f"/internal/tenants/{uuid.uuid4()}/webhooks"
    async with api_client(pool, SETTINGS, {}) as client:
        made = [await client.post(base, json=HOOK, params={"max_webhooks_per_tenant": 2}) for _ in range(3)]
        assert [m.status_code for m in made] == [201, 201, 409]
        lowered = await client.post(base, json=HOOK, params={"max_webhooks_per_tenant": 1})
        assert_cap_reached(lowered, 409, "max_webhooks_per_tenant", 1)
        raised = await client.post(base, json=HOOK, params={"max_webhooks_per_tenant": 3})
        assert raised.status_code == 201, raised.text


async def test_a_create_without_its_limit_is_refused_not_left_uncapped(pool):
    tenant = uuid.uuid4()
    async with api_client(pool, SETTINGS, {}) as client:
        hook = await client.post(f"/internal/tenants/{tenant}/webhooks", json=HOOK)
        topic = await client.post(f"/internal/tenants/{tenant}/topics", json={"name": "t"})
        assert (hook.status_code, topic.status_code) == (422, 422)
        assert hook.json()["errors"][0]["location"] == "query.max_webhooks_per_tenant"
        made = await client.post(f"/internal/tenants/{tenant}/topics", json={"name": "t"}, params=GENEROUS_CAPS)
        only_one_limit = await client.post(f"/internal/tenants/{tenant}/topics/{made.json()['id']}/subscriptions",
                                           json={"protocol": "http", "endpoint": "http://127.0.0.1:9/s"},
                                           params={"max_subscriptions_per_topic": 5})
        assert only_one_limit.status_code == 422
        assert only_one_limit.json()["errors"][0]["location"] == "query.max_confirmation_emails_per_hour"
