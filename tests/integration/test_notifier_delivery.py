"""Notifier against the real PostgreSQL (scratch database) and a local webhook receiver."""

import asyncio
import contextlib
import socket
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import httpx
import pytest
from standardwebhooks import Webhook

from contracts.events import Envelope, JobStateChanged, JobSubmitted
from contracts.status import JobStatus
from services.common.settings import Settings
from services.notifier import signing, store
from services.notifier.api import create_app
from services.notifier.delivery import DeliveryWorker
from services.notifier.event_types import WEBHOOK_EVENT_TYPES
from services.notifier.handlers import delivery_id, on_job_event

FAST = dict(webhook_retry_base_s=0.05, webhook_retry_cap_s=0.2, webhook_max_attempts=5, webhook_timeout_s=2.0)
DEV = Settings(webhook_allow_private=True, **FAST)


class Receiver:
    """Local webhook receiver: `/flaky/<n>/...` answers 500 n times and then 200; anything else 204."""

    def __init__(self):
        self.requests: list[tuple[str, dict[str, str], str]] = []
        self._hits: Counter[str] = Counter()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["content-length"])).decode()
                with receiver._lock:
                    receiver.requests.append((self.path, dict(self.headers), body))
                    receiver._hits[self.path] += 1
                    hits = receiver._hits[self.path]
                parts = self.path.strip("/").split("/")
                failing = parts[0] == "flaky" and hits <= int(parts[1])
                self.send_response(500 if failing else 200 if parts[0] == "flaky" else 204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"{self.base}/{path}/{uuid.uuid4().hex}"  # unique per test

    def received(self, url: str) -> list[tuple[dict[str, str], str]]:
        path = url.removeprefix(self.base)
        return [(headers, body) for p, headers, body in self.requests if p == path]

    def close(self):
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="module")
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


@contextlib.asynccontextmanager
async def running_worker(pool, settings: Settings):
    task = asyncio.create_task(DeliveryWorker(pool, settings).run())
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
    row = await store.create_endpoint(pool, endpoint_id=uuid.uuid4(), tenant_id=tenant, url=url,
                                      event_types=list(types), secret=signing.new_secret())
    return row["id"], row["secret"]


def state_changed(tenant: uuid.UUID, to: JobStatus = JobStatus.RUNNING, sequence: int = 2) -> Envelope:
    event = JobStateChanged(
        job_id=uuid.uuid4(), tenant_id=tenant, vendor="modelarts", vendor_job_id="v-1",
        from_status=JobStatus.QUEUED, to_status=to, raw_status="Running", vendor_time=None,
        observed_at=datetime.now(UTC), sequence=sequence,
    )
    return Envelope(source="watcher", data=event)


async def wait_until(check, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(0.05)


async def delivery(pool, delivery_id_: uuid.UUID):
    return await pool.fetchrow("SELECT * FROM notifier.deliveries WHERE id = $1", delivery_id_)


async def delivered(pool, delivery_id_: uuid.UUID):
    row = await delivery(pool, delivery_id_)
    return row if row and row["status"] == "delivered" else None


async def test_flaky_endpoint_gets_one_delivery_after_three_signed_attempts(pool, receiver):
    tenant, url = uuid.uuid4(), receiver.url("flaky/2")
    endpoint_id, secret = await endpoint(pool, tenant, url)
    envelope = state_changed(tenant)
    async with running_worker(pool, DEV):
        await on_job_event(pool, envelope)
        row = await wait_until(lambda: delivered(pool, delivery_id(envelope.id, endpoint_id)))

    assert row is not None and row["attempts"] == 3 and row["last_status_code"] == 200
    attempts = await pool.fetch(
        "SELECT attempt, status_code, error FROM notifier.delivery_attempts WHERE delivery_id = $1 ORDER BY attempt",
        row["id"])
    assert [(a["attempt"], a["status_code"]) for a in attempts] == [(1, 500), (2, 500), (3, 200)]
    assert attempts[0]["error"] == "HTTP 500" and attempts[2]["error"] is None

    requests = receiver.received(url)
    assert len(requests) == 3
    assert {headers["webhook-id"] for headers, _ in requests} == {str(row["id"])}
    for headers, body in requests:
        payload = Webhook(secret).verify(body, headers)
        assert payload["type"] == "job.running" and payload["data"]["job_id"] == str(envelope.data.job_id)
    assert len({body for _, body in requests}) == 1


async def test_two_events_make_two_deliveries(pool, receiver):
    tenant, url = uuid.uuid4(), receiver.url("ok")
    endpoint_id, _ = await endpoint(pool, tenant, url)
    events = [state_changed(tenant, JobStatus.RUNNING, 2), state_changed(tenant, JobStatus.SUCCEEDED, 3)]
    async with running_worker(pool, DEV):
        for envelope in events:
            await on_job_event(pool, envelope)
        for envelope in events:
            assert await wait_until(lambda: delivered(pool, delivery_id(envelope.id, endpoint_id)))
    bodies = [(await delivery(pool, delivery_id(e.id, endpoint_id)))["body"] for e in events]
    assert sorted(body for _, body in receiver.received(url)) == sorted(bodies)


async def test_same_event_applied_twice_queues_one_delivery(pool, receiver):
    tenant, url = uuid.uuid4(), receiver.url("ok")
    endpoint_id, _ = await endpoint(pool, tenant, url)
    envelope = state_changed(tenant)
    await on_job_event(pool, envelope)
    await on_job_event(pool, envelope)  # Kafka redelivery: the inbox absorbs it
    assert await pool.fetchval("SELECT count(*) FROM notifier.deliveries WHERE event_id = $1", envelope.id) == 1
    async with running_worker(pool, DEV):
        assert await wait_until(lambda: delivered(pool, delivery_id(envelope.id, endpoint_id)))
        await asyncio.sleep(0.3)
    assert len(receiver.received(url)) == 1


async def test_dead_endpoint_does_not_hold_back_a_healthy_one(pool, receiver):
    tenant = uuid.uuid4()
    dead_id, _ = await endpoint(pool, tenant, f"http://127.0.0.1:{closed_port()}/hook")
    healthy_id, _ = await endpoint(pool, tenant, receiver.url("ok"))
    envelope = state_changed(tenant)
    async with running_worker(pool, DEV):
        started = time.monotonic()
        await on_job_event(pool, envelope)
        assert await wait_until(lambda: delivered(pool, delivery_id(envelope.id, healthy_id)), timeout=2.0)
        assert time.monotonic() - started < 1.0  # NOTIFY wakes the worker: no poll interval to wait out
        dead = await wait_until(
            lambda: pool.fetchrow("SELECT * FROM notifier.deliveries WHERE id = $1 AND status = 'failed'",
                                  delivery_id(envelope.id, dead_id)))
    assert dead["attempts"] == DEV.webhook_max_attempts and dead["last_status_code"] is None
    assert "ConnectError" in dead["last_error"]


async def test_private_target_is_refused_at_delivery_time(pool, receiver):
    # Created while private targets were allowed (or its DNS changed since): the worker checks again.
    tenant = uuid.uuid4()
    port = receiver.base.rsplit(":", 1)[1]
    endpoint_id, _ = await endpoint(pool, tenant, f"https://localhost:{port}/hook")
    envelope = state_changed(tenant)
    strict = Settings(webhook_allow_private=False, **FAST | {"webhook_max_attempts": 1})
    async with running_worker(pool, strict):
        await on_job_event(pool, envelope)
        row = await wait_until(
            lambda: pool.fetchrow("SELECT * FROM notifier.deliveries WHERE id = $1 AND status = 'failed'",
                                  delivery_id(envelope.id, endpoint_id)))
    assert row is not None and row["attempts"] == 1
    assert row["last_error"].startswith("refused by URL policy: host localhost resolves to a non-public address")
    assert not receiver.received(f"{receiver.base}/hook")


async def test_only_live_subscribed_endpoints_of_the_tenant_get_a_delivery(pool, receiver):
    tenant = uuid.uuid4()
    subscribed, _ = await endpoint(pool, tenant, receiver.url("ok"), ["job.succeeded"])
    await endpoint(pool, tenant, receiver.url("ok"), ["job.failed"])
    await endpoint(pool, uuid.uuid4(), receiver.url("ok"))  # another tenant's
    deleted, _ = await endpoint(pool, tenant, receiver.url("ok"))
    assert await store.delete_endpoint(pool, tenant, deleted)

    succeeded = state_changed(tenant, JobStatus.SUCCEEDED)
    await on_job_event(pool, succeeded)
    rows = await pool.fetch("SELECT endpoint_id, event_type FROM notifier.deliveries WHERE event_id = $1",
                            succeeded.id)
    assert [(r["endpoint_id"], r["event_type"]) for r in rows] == [(subscribed, "job.succeeded")]

    pending = state_changed(tenant, JobStatus.PENDING)
    submitted = Envelope(source="scheduler", data=JobSubmitted(
        job_id=uuid.uuid4(), tenant_id=tenant, vendor="caip", vendor_job_id="x", flavor="f",
        accelerator="mlu370", count=1, vendor_price_per_hour=1, raw_status="Pending",
        submitted_at=datetime.now(UTC)))
    for envelope in (pending, submitted):
        await on_job_event(pool, envelope)
        assert not await pool.fetchval("SELECT count(*) FROM notifier.deliveries WHERE event_id = $1", envelope.id)


async def test_deleting_an_endpoint_cancels_its_queue(pool):
    tenant = uuid.uuid4()
    endpoint_id, _ = await endpoint(pool, tenant, f"http://127.0.0.1:{closed_port()}/hook")
    envelope = state_changed(tenant)
    await on_job_event(pool, envelope)  # no worker running: it stays pending
    assert await store.delete_endpoint(pool, tenant, endpoint_id)
    row = await delivery(pool, delivery_id(envelope.id, endpoint_id))
    assert row["status"] == "cancelled" and row["last_error"] == "endpoint deleted"


# --- internal API

def api_client(pool, settings: Settings) -> httpx.AsyncClient:
    app = create_app()
    app.state.runtime = SimpleNamespace(pool=pool, settings=settings)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://notifier")


async def test_webhook_api_create_list_deliveries_delete(pool, receiver):
    tenant, other = uuid.uuid4(), uuid.uuid4()
    base = f"/internal/tenants/{tenant}/webhooks"
    async with api_client(pool, DEV) as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}

        created = await client.post(base, json={"url": receiver.url("ok"),
                                                 "event_types": ["job.succeeded", "job.failed", "job.failed"]})
        assert created.status_code == 201, created.text
        hook = created.json()
        assert set(hook) == {"id", "url", "event_types", "secret", "created_at"}
        assert hook["event_types"] == ["job.failed", "job.succeeded"] and hook["secret"].startswith("whsec_")

        listed = (await client.get(base)).json()
        assert listed["next_cursor"] is None
        assert [set(item) for item in listed["items"]] == [{"id", "url", "event_types", "created_at"}]
        assert (await client.get(f"/internal/tenants/{other}/webhooks")).json()["items"] == []

        envelope = state_changed(tenant, JobStatus.SUCCEEDED)
        await on_job_event(pool, envelope)
        deliveries = (await client.get(f"{base}/{hook['id']}/deliveries")).json()["items"]
        assert [(d["id"], d["event_type"], d["status"], d["attempts"]) for d in deliveries] == [
            (str(delivery_id(envelope.id, uuid.UUID(hook["id"]))), "job.succeeded", "pending", 0)]

        not_yours = await client.delete(f"/internal/tenants/{other}/webhooks/{hook['id']}")
        assert not_yours.status_code == 404
        assert not_yours.headers["content-type"] == "application/problem+json"
        assert (await client.delete(f"{base}/{hook['id']}")).status_code == 204
        assert (await client.delete(f"{base}/{hook['id']}")).status_code == 404
        assert (await client.get(f"{base}/{uuid.uuid4()}/deliveries")).status_code == 404
        assert (await client.get(base)).json()["items"] == []


@pytest.mark.parametrize("body, location", [
    ({"url": "https://hooks.example.com/", "event_types": []}, "body.event_types"),
    ({"url": "https://hooks.example.com/", "event_types": ["job.exploded"]}, "body.event_types.0"),
    ({"url": "http://127.0.0.1:9/hook", "event_types": ["job.failed"]}, "body.url"),
    ({"url": "https://localhost/hook", "event_types": ["job.failed"]}, "body.url"),
])
async def test_webhook_api_refuses_bad_input_naming_the_field(pool, body, location):
    async with api_client(pool, Settings(webhook_allow_private=False)) as client:
        response = await client.post(f"/internal/tenants/{uuid.uuid4()}/webhooks", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["location"] for e in response.json()["errors"]] == [location]
