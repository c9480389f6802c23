"""Notifier against the real PostgreSQL (scratch database) and local receivers: queueing, signed delivery,
retries, URL policy, the internal webhook API. The helpers here are shared by the other notifier tests."""

import asyncio
import contextlib
import re
import socket
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import httpx
import pytest
from standardwebhooks import Webhook

from contracts.events import Envelope, JobStateChanged, JobSubmitted
from contracts.status import JobStatus
from services.notifier import signing
from services.notifier.app import create_app
from services.notifier.config import NotifierSettings
from services.notifier.delivery import DeliveryWorker
from services.notifier.event_types import WEBHOOK_EVENT_TYPES
from services.notifier.fanout import delivery_id
from services.notifier.handlers import on_event
from services.notifier.store import endpoints

PUBLIC = "http://gateway.test"
FAST = dict(webhook_retry_schedule=(0.05, 0.05, 0.05, 0.05), webhook_timeout_s=2.0, public_url=PUBLIC)
DEV = NotifierSettings(webhook_allow_private=True, **FAST)


class _Server(ThreadingHTTPServer):
    # socketserver's default listen backlog is 5: two workers opening dozens of connections at once
    # overflow it, and a dropped SYN waits a second before its retry, which looks like a slow endpoint.
    request_queue_size = 128
    daemon_threads = True


class Receiver:
    """Local receiver. The first path segment says how to answer: `flaky/<n>/...` 500 n times then 200,
    `fail` always 500, `abort` 410 with `webhook-delivery: abort-message`, `slow/<ms>` 200 after a pause,
    anything else 204. Records every request and the most requests in flight at once per path."""

    def __init__(self):
        self.requests: list[tuple[str, dict[str, str], str, float]] = []
        self._hits: Counter[str] = Counter()
        self._inflight: Counter[str] = Counter()
        self.max_inflight: Counter[str] = Counter()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers["content-length"])).decode()
                with receiver._lock:
                    receiver.requests.append((self.path, dict(self.headers), body, time.monotonic()))
                    receiver._hits[self.path] += 1
                    receiver._inflight[self.path] += 1
                    receiver.max_inflight[self.path] = max(receiver.max_inflight[self.path],
                                                           receiver._inflight[self.path])
                    hits = receiver._hits[self.path]
                parts = self.path.strip("/").split("/")
                status, headers = 204, {}
                if parts[0] == "flaky":
                    status = 500 if hits <= int(parts[1]) else 200
                elif parts[0] == "fail":
                    status = 500
                elif parts[0] == "abort":
                    status, headers = 410, {"Webhook-Delivery": "abort-message"}
                elif parts[0] == "slow":
                    time.sleep(int(parts[1]) / 1000)
                    status = 200
                with receiver._lock:
                    receiver._inflight[self.path] -= 1
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"{self.base}/{path}/{uuid.uuid4().hex}"  # unique per test

    def received(self, url: str) -> list[tuple[dict[str, str], str]]:
        path = url.removeprefix(self.base)
        return [(headers, body) for p, headers, body, _ in self.requests if p == path]

    def close(self):
        self._server.shutdown()
        self._server.server_close()


class FakeClock:
    """The worker's clock, moved by the test. It starts a minute ahead of the database's clock, which stamps
    newly queued deliveries, so that those are due at once."""

    def __init__(self):
        self.now = datetime.now(UTC) + timedelta(minutes=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture(scope="module")
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


@contextlib.asynccontextmanager
async def running_worker(pool, settings: NotifierSettings = DEV, **kwargs):
    task = asyncio.create_task(DeliveryWorker(pool, settings, poll_s=0.05, **kwargs).run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def endpoint(pool, tenant: uuid.UUID, url: str, types=WEBHOOK_EVENT_TYPES) -> tuple[uuid.UUID, str]:
    row = await endpoints.create(pool, endpoint_id=uuid.uuid4(), tenant_id=tenant, url=url,
                                 event_types=list(types), secret=signing.new_secret())
    return row["id"], row["secret"]


def state_changed(tenant: uuid.UUID, to: JobStatus = JobStatus.RUNNING, sequence: int = 2,
                  vendor: str = "modelarts") -> Envelope:
    event = JobStateChanged(
        job_id=uuid.uuid4(), tenant_id=tenant, vendor=vendor, vendor_job_id="v-1",
        from_status=JobStatus.QUEUED, to_status=to, raw_status="Running", vendor_time=None,
        observed_at=datetime.now(UTC), sequence=sequence,
    )
    return Envelope(source="watcher", data=event)


async def handle(pool, envelope: Envelope) -> None:
    await on_event(pool, envelope, public_url=PUBLIC)


async def wait_until(check, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(0.05)


async def delivery(pool, delivery_id_: uuid.UUID):
    return await pool.fetchrow("SELECT * FROM notifier.deliveries WHERE id = $1", delivery_id_)


async def in_status(pool, delivery_id_: uuid.UUID, status: str):
    row = await delivery(pool, delivery_id_)
    return row if row and row["status"] == status else None


async def attempts_of(pool, delivery_id_: uuid.UUID):
    return await pool.fetch("SELECT * FROM notifier.delivery_attempts WHERE delivery_id = $1 ORDER BY attempt",
                            delivery_id_)


# The limits in force the gateway passes with each create it forwards (services/gateway/tenant_caps.py): high
# enough here that only the tests of the caps reach them.
GENEROUS_CAPS = {"max_webhooks_per_tenant": 1000, "max_topics_per_tenant": 1000,
                 "max_subscriptions_per_topic": 1000, "max_confirmation_emails_per_hour": 1000}


def api_client(pool, settings: NotifierSettings, caps: dict[str, int] = GENEROUS_CAPS) -> httpx.AsyncClient:
    """The notifier's internal API in process; every request carries `caps` as the gateway's would (a route that
    takes no cap ignores them)."""
    app = create_app()
    app.state.runtime = SimpleNamespace(pool=pool, settings=settings)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://notifier", params=caps)


async def delete_endpoint(pool, tenant: uuid.UUID, endpoint_id: uuid.UUID) -> None:
    async with api_client(pool, DEV) as client:
        response = await client.delete(f"/internal/tenants/{tenant}/webhooks/{endpoint_id}")
    assert response.status_code == 204


def token_of(url: str) -> str:
    return re.search(r"token=([\w-]+)", url)[1]


# --- queueing and delivering

async def test_flaky_endpoint_gets_one_delivery_after_three_signed_attempts(pool, receiver):
    tenant, url = uuid.uuid4(), receiver.url("flaky/2")
    endpoint_id, secret = await endpoint(pool, tenant, url)
    envelope = state_changed(tenant)
    async with running_worker(pool):
        await handle(pool, envelope)
        row = await wait_until(lambda: in_status(pool, delivery_id(envelope.id, endpoint_id), "delivered"))

    assert row is not None and row["attempts"] == 3 and row["last_status_code"] == 200
    attempts = await attempts_of(pool, row["id"])
    assert [(a["attempt"], a["status_code"]) for a in attempts] == [(1, 500), (2, 500), (3, 200)]
    assert attempts[0]["error"] == "HTTP 500" and attempts[2]["error"] is None

    requests = receiver.received(url)
    assert len(requests) == 3
    assert {headers["webhook-id"] for headers, _ in requests} == {str(row["id"])}
    for headers, body in requests:  # verified the way a receiver does, by the standardwebhooks package
        payload = Webhook(secret).verify(body, headers)
        assert payload["type"] == "job.running" and payload["data"]["job_id"] == str(envelope.data.job_id)
    assert len({body for _, body in requests}) == 1


async def test_two_events_make_two_deliveries(pool, receiver):
    tenant, url = uuid.uuid4(), receiver.url("ok")
    endpoint_id, _ = await endpoint(pool, tenant, url)
    events = [state_changed(tenant, JobStatus.RUNNING, 2), state_changed(tenant, JobStatus.SUCCEEDED, 3)]
    async with running_worker(pool):
        for envelope in events:
            await handle(pool, envelope)
        for envelope in events:
            assert await wait_until(lambda: in_status(pool, delivery_id(envelope.id, endpoint_id), "delivered"))
    bodies = [(await delivery(pool, delivery_id(e.id, endpoint_id)))["body"] for e in events]
    assert sorted(body for _, body in receiver.received(url)) == sorted(bodies)


async def test_same_event_applied_twice_queues_one_delivery(pool, receiver):
    tenant, url = uuid.uuid4(), receiver.url("ok")
    endpoint_id, _ = await endpoint(pool, tenant, url)
    envelope = state_changed(tenant)
    await handle(pool, envelope)
    await handle(pool, envelope)  # Kafka redelivery: the inbox absorbs it
    assert await pool.fetchval("SELECT count(*) FROM notifier.deliveries WHERE event_id = $1", envelope.id) == 1
    async with running_worker(pool):
        assert await wait_until(lambda: in_status(pool, delivery_id(envelope.id, endpoint_id), "delivered"))
        await asyncio.sleep(0.3)
    assert len(receiver.received(url)) == 1


async def test_job_kind_from_the_submission_reaches_the_payload(pool, receiver):
    tenant, url = uuid.uuid4(), receiver.url("ok")
    endpoint_id, _ = await endpoint(pool, tenant, url)
    envelope = state_changed(tenant)
    await handle(pool, Envelope(source="scheduler", data=JobSubmitted(
        job_id=envelope.data.job_id, tenant_id=tenant, kind="training", vendor="modelarts", vendor_job_id="v-1",
        flavor="f", accelerator="ascend-910b", count=1, vendor_price_per_hour=1, raw_status="Creating",
        submitted_at=datetime.now(UTC))))
    await handle(pool, envelope)
    row = await delivery(pool, delivery_id(envelope.id, endpoint_id))
    assert '"kind":"training"' in row["body"]


async def test_only_live_subscribed_endpoints_of_the_tenant_get_a_delivery(pool, receiver):
    tenant = uuid.uuid4()
    subscribed, _ = await endpoint(pool, tenant, receiver.url("ok"), ["job.succeeded"])
    await endpoint(pool, tenant, receiver.url("ok"), ["job.failed"])
    await endpoint(pool, uuid.uuid4(), receiver.url("ok"))  # another tenant's
    deleted, _ = await endpoint(pool, tenant, receiver.url("ok"))
    await delete_endpoint(pool, tenant, deleted)

    succeeded = state_changed(tenant, JobStatus.SUCCEEDED)
    await handle(pool, succeeded)
    rows = await pool.fetch("SELECT endpoint_id, event_type FROM notifier.deliveries WHERE event_id = $1",
                            succeeded.id)
    assert [(r["endpoint_id"], r["event_type"]) for r in rows] == [(subscribed, "job.succeeded")]

    pending = state_changed(tenant, JobStatus.PENDING)
    await handle(pool, pending)
    assert not await pool.fetchval("SELECT count(*) FROM notifier.deliveries WHERE event_id = $1", pending.id)


async def test_deleting_an_endpoint_cancels_its_queue(pool):
    tenant = uuid.uuid4()
    endpoint_id, _ = await endpoint(pool, tenant, f"http://127.0.0.1:{closed_port()}/hook")
    envelope = state_changed(tenant)
    await handle(pool, envelope)  # no worker running: it stays pending
    await delete_endpoint(pool, tenant, endpoint_id)
    row = await delivery(pool, delivery_id(envelope.id, endpoint_id))
    assert row["status"] == "cancelled" and row["last_error"] == "endpoint deleted"


async def test_private_target_is_refused_at_delivery_time(pool, receiver):
    # Created while private targets were allowed (or its DNS changed since): the worker checks again.
    tenant = uuid.uuid4()
    port = receiver.base.rsplit(":", 1)[1]
    endpoint_id, _ = await endpoint(pool, tenant, f"https://localhost:{port}/hook")
    envelope = state_changed(tenant)
    strict = NotifierSettings(webhook_allow_private=False, **FAST | {"webhook_retry_schedule": ()})
    async with running_worker(pool, strict):
        await handle(pool, envelope)
        row = await wait_until(lambda: in_status(pool, delivery_id(envelope.id, endpoint_id), "failed"))
    assert row is not None and row["attempts"] == 1
    assert row["last_error"].startswith("refused by URL policy: host localhost resolves to a non-public address")
    assert not receiver.received(f"{receiver.base}/hook")


# --- internal API

async def test_webhook_api_create_get_list_deliveries_delete(pool, receiver):
    tenant, other = uuid.uuid4(), uuid.uuid4()
    base = f"/internal/tenants/{tenant}/webhooks"
    async with api_client(pool, DEV) as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}

        created = await client.post(base, json={"url": receiver.url("fail"),
                                                 "event_types": ["job.succeeded", "job.failed", "job.failed"]})
        assert created.status_code == 201, created.text
        hook = created.json()
        assert set(hook) == {"id", "url", "event_types", "status", "disabled_at", "disabled_reason",
                             "previous_secret_expires_at", "secret", "created_at"}
        assert hook["event_types"] == ["job.failed", "job.succeeded"] and hook["secret"].startswith("whsec_")
        assert hook["status"] == "enabled"

        listed = (await client.get(base)).json()
        assert listed["next_cursor"] is None and "secret" not in listed["items"][0]
        assert (await client.get(f"/internal/tenants/{other}/webhooks")).json()["items"] == []
        detail = (await client.get(f"{base}/{hook['id']}")).json()
        assert detail["failing_since"] is None and detail["breaker_open_until"] is None

        envelope = state_changed(tenant, JobStatus.SUCCEEDED)
        await handle(pool, envelope)
        async with running_worker(pool, NotifierSettings(webhook_allow_private=True, **FAST | {
                "webhook_retry_schedule": (0.05,)})):
            assert await wait_until(lambda: in_status(pool, delivery_id(envelope.id, uuid.UUID(hook["id"])),
                                                      "failed"))
        deliveries = (await client.get(f"{base}/{hook['id']}/deliveries")).json()
        (item,) = deliveries["items"]
        assert (item["id"], item["event_type"], item["status"], item["attempts"]) == (
            str(delivery_id(envelope.id, uuid.UUID(hook["id"]))), "job.succeeded", "failed", 2)
        assert [(a["attempt"], a["status_code"], a["error"]) for a in item["attempt_history"]] == [
            (1, 500, "HTTP 500"), (2, 500, "HTTP 500")]
        assert all(a["latency_ms"] >= 0 and a["at"] for a in item["attempt_history"])
        assert (await client.get(f"{base}/{hook['id']}/deliveries", params={"status": "delivered"})).json()[
            "items"] == []
        detail = (await client.get(f"{base}/{hook['id']}")).json()
        assert detail["failing_since"] is not None

        not_yours = await client.delete(f"/internal/tenants/{other}/webhooks/{hook['id']}")
        assert not_yours.status_code == 404
        assert not_yours.headers["content-type"] == "application/problem+json"
        assert (await client.delete(f"{base}/{hook['id']}")).status_code == 204
        assert (await client.delete(f"{base}/{hook['id']}")).status_code == 404
        assert (await client.get(f"{base}/{uuid.uuid4()}/deliveries")).status_code == 404
        assert (await client.get(base)).json()["items"] == []


async def test_deliveries_page_with_a_cursor(pool, receiver):
    tenant = uuid.uuid4()
    endpoint_id, _ = await endpoint(pool, tenant, receiver.url("ok"))
    for _ in range(5):
        await handle(pool, state_changed(tenant))
    base = f"/internal/tenants/{tenant}/webhooks/{endpoint_id}/deliveries"
    async with api_client(pool, DEV) as client:
        first = (await client.get(base, params={"limit": 3})).json()
        second = (await client.get(base, params={"limit": 3, "cursor": first["next_cursor"]})).json()
    assert len(first["items"]) == 3 and len(second["items"]) == 2 and second["next_cursor"] is None
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}


@pytest.mark.parametrize("body, location", [
    ({"url": "https://hooks.example.com/", "event_types": []}, "body.event_types"),
    ({"url": "https://hooks.example.com/", "event_types": ["job.exploded"]}, "body.event_types.0"),
    ({"url": "http://127.0.0.1:9/hook", "event_types": ["job.failed"]}, "body.url"),
    ({"url": "https://localhost/hook", "event_types": ["job.failed"]}, "body.url"),
])
async def test_webhook_api_refuses_bad_input_naming_the_field(pool, body, location):
    async with api_client(pool, NotifierSettings(webhook_allow_private=False)) as client:
        response = await client.post(f"/internal/tenants/{uuid.uuid4()}/webhooks", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["location"] for e in response.json()["errors"]] == [location]


async def test_event_types_are_listed_with_their_schemas(pool):
    async with api_client(pool, DEV) as client:
        items = (await client.get("/internal/event-types")).json()["items"]
    by_name = {i["name"]: i for i in items}
    assert set(WEBHOOK_EVENT_TYPES) <= set(by_name) and not by_name["webhook.test"]["subscribable"]
    assert by_name["job.placement_failed"]["schema"]["properties"]["type"]["const"] == "job.placement_failed"
    assert "balance" in str(by_name["billing.funds_low"]["schema"])
