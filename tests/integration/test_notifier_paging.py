"""Every listing of the notifier's internal API pages with `limit` and an opaque `next_cursor` (the same keyset
style as the gateway's jobs), reaching each item exactly once; a forged cursor is a 400 problem."""

import base64
import json
import uuid

import pytest

from services.notifier.event_types import CATALOG
from tests.integration.test_notifier_delivery import DEV, api_client, endpoint, handle, state_changed


async def all_pages(client, url: str, limit: int, **params) -> list[list[dict]]:
    pages, cursor = [], None
    while True:
        answer = await client.get(url, params={"limit": limit, **params, **({"cursor": cursor} if cursor else {})})
        assert answer.status_code == 200, answer.text
        pages.append(answer.json()["items"])
        if not (cursor := answer.json()["next_cursor"]):
            return pages


def ids(pages: list[list[dict]]) -> list[str]:
    return [item.get("id") or item["name"] for items in pages for item in items]


async def test_webhooks_topics_and_subscriptions_page_oldest_first(pool):
    tenant = uuid.uuid4()
    base = f"/internal/tenants/{tenant}"
    async with api_client(pool, DEV) as client:
        hooks = [(await client.post(f"{base}/webhooks", json={"url": f"http://127.0.0.1:9/h{i}",
                                                              "event_types": ["job.failed"]})).json()["id"]
                 for i in range(7)]
        topics = [(await client.post(f"{base}/topics", json={"name": f"t{i}"})).json()["id"] for i in range(5)]
        subs = [(await client.post(f"{base}/topics/{topics[0]}/subscriptions",
                                   json={"protocol": "http", "endpoint": f"http://127.0.0.1:9/s{i}"})).json()["id"]
                for i in range(4)]
        hook_pages = await all_pages(client, f"{base}/webhooks", 3)
        assert [len(p) for p in hook_pages] == [3, 3, 1] and ids(hook_pages) == hooks
        topic_pages = await all_pages(client, f"{base}/topics", 2)
        assert [len(p) for p in topic_pages] == [2, 2, 1] and ids(topic_pages) == topics
        sub_pages = await all_pages(client, f"{base}/topics/{topics[0]}/subscriptions", 4)
        assert [len(p) for p in sub_pages] == [4] and ids(sub_pages) == subs  # exactly one page: no empty second


async def test_deliveries_page_newest_first_with_an_opaque_cursor(pool):
    tenant = uuid.uuid4()
    endpoint_id, _ = await endpoint(pool, tenant, "http://127.0.0.1:9/ok")
    for _ in range(5):
        await handle(pool, state_changed(tenant))
    async with api_client(pool, DEV) as client:
        pages = await all_pages(client, f"/internal/tenants/{tenant}/webhooks/{endpoint_id}/deliveries", 2)
    assert [len(p) for p in pages] == [2, 2, 1] and len(set(ids(pages))) == 5
    stamps = [d["created_at"] for p in pages for d in p]
    assert stamps == sorted(stamps, reverse=True)


async def test_event_types_page_in_the_catalog_s_order(pool):
    async with api_client(pool, DEV) as client:
        pages = await all_pages(client, "/internal/event-types", 5)
        assert ids(pages) == list(CATALOG) and all(len(p) == 5 for p in pages[:-1])
        assert len((await client.get("/internal/event-types")).json()["items"]) == len(CATALOG)


def _b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize("cursor", ["nope", _b64("[1, 2]"), _b64('["0001-01-01T00:00:00+14:00", "x"]'),
                                    _b64(json.dumps(["2026-11-01T00:00:00+00:00", "not-a-uuid"])), _b64("{}")])
@pytest.mark.parametrize("listing", ["webhooks", "topics"])
async def test_a_forged_cursor_is_a_400_problem(pool, cursor, listing):
    async with api_client(pool, DEV) as client:
        answer = await client.get(f"/internal/tenants/{uuid.uuid4()}/{listing}", params={"cursor": cursor})
    assert answer.status_code == 400 and answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"].endswith("/invalid-cursor")


async def test_a_forged_event_type_cursor_is_a_400_problem(pool):
    async with api_client(pool, DEV) as client:
        for cursor in (_b64('["job.exploded"]'), _b64("[1]"), "%%%"):
            answer = await client.get("/internal/event-types", params={"cursor": cursor})
            assert answer.status_code == 400, (cursor, answer.text)
