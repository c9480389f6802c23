"""Poison events on the running stack: an event too large for Kafka and a message a handler always fails on
are parked while every other job flows, and the operator lists them, publishes them again and drops them."""

import asyncio
import json
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from contracts.events import Envelope, JobPlacementAttempted, JobRequested
from contracts.topics import JOBS_COMMANDS, JOBS_EVENTS
from tests.e2e.helpers import job_in, wait_for

pytestmark = pytest.mark.e2e


def training(name: str, **env: str) -> dict:
    return {"kind": "training", "name": name, "image": "swr.example/team/pytorch:2.1",
            "command": "python train.py", "resources": {"accelerator": "ascend-910b", "count": 1},
            "env": {"SWITCHYARD_SIM_RUN_SECONDS": "1", **env}}


def dead_letter(admin, event_id: uuid.UUID) -> dict | None:
    """The dead letter of `event_id`, walking every page of the list."""
    cursor = None
    while True:
        page = admin.get("/v1/admin/dead-letters", params={"limit": 2, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        for item in page.json()["items"]:
            if item["event_id"] == str(event_id):
                return item
        if not (cursor := page.json()["next_cursor"]):
            return None


def test_a_body_past_the_limit_and_an_oversized_env_are_refused_at_the_edge(tenant):
    huge = tenant.post("/v1/jobs", content=json.dumps(training("big", PAD="x" * 300_000)),
                       headers={"Content-Type": "application/json"})
    assert huge.status_code == 413 and huge.headers["content-type"] == "application/problem+json"
    long_value = tenant.post("/v1/jobs", json=training("long", PAD="x" * 5000))
    assert long_value.status_code == 422 and long_value.json()["type"].endswith("invalid-job")
    quote = tenant.post("/v1/quotes", content=b'{"pad": "' + b"x" * 300_000 + b'"}',
                        headers={"Content-Type": "application/json"})
    assert quote.status_code == 413


async def _enqueue_oversized(stack, tenant_id: str) -> uuid.UUID:
    """A JobRequested over Kafka's 1 MiB in the gateway's outbox, as an unbounded spec used to make."""
    job = JobRequested.model_validate({"job_id": str(uuid.uuid4()), "tenant_id": tenant_id,
                                       "requested_at": datetime.now(UTC).isoformat(), "spec": training("old")})
    envelope = Envelope(source="switchyard/gateway", data=job)
    body = json.loads(envelope.kafka_body())
    body["spec"]["env"]["PAD"] = "x" * (1100 * 1024)
    conn = await asyncpg.connect(stack.env["SWITCHYARD_DATABASE_URL"])
    try:
        await conn.execute(
            "INSERT INTO gateway.outbox (event_id, topic, key, headers, payload) VALUES ($1, $2, $3, $4::jsonb, $5)",
            envelope.id, stack.env["SWITCHYARD_TOPIC_PREFIX"] + JOBS_COMMANDS, envelope.subject,
            json.dumps(envelope.kafka_headers()), json.dumps(body))
        await conn.execute("SELECT pg_notify('gateway_outbox', '')")
    finally:
        await conn.close()
    return envelope.id


def test_an_oversized_event_is_parked_and_the_jobs_after_it_still_run(stack, admin, tenant):
    poison = asyncio.run(_enqueue_oversized(stack, tenant.tenant_id))
    submitted = tenant.post("/v1/jobs", json=training("after-the-poison"))
    assert submitted.status_code == 202, submitted.text
    assert job_in(tenant, submitted.json()["id"], "SUCCEEDED", "FAILED")["status"] == "SUCCEEDED"

    parked = wait_for(lambda: dead_letter(admin, poison), what="the oversized event parked")
    assert parked["origin"] == "outbox" and parked["service"] == "gateway"
    assert parked["event_type"] == JobRequested.TYPE and "MessageSizeTooLarge" in parked["error"]
    assert parked["payload_bytes"] > 1024 * 1024 and len(parked["payload_preview"]) == 512
    detail = admin.get(f"/v1/admin/dead-letters/{parked['id']}")
    assert detail.status_code == 200 and len(detail.json()["payload_base64"]) > 1024 * 1024

    retried = admin.post(f"/v1/admin/dead-letters/{parked['id']}/retry")  # still too large: it stays
    assert retried.status_code == 502 and "MessageSizeTooLarge" in retried.json()["detail"]
    assert dead_letter(admin, poison) is not None

    assert admin.delete(f"/v1/admin/dead-letters/{parked['id']}").status_code == 204
    assert dead_letter(admin, poison) is None
    assert admin.delete(f"/v1/admin/dead-letters/{parked['id']}").status_code == 404
    assert tenant.get("/v1/admin/dead-letters").status_code in (401, 403)


async def _publish_attempt_of_unknown_job(stack, tenant_id: str) -> Envelope:
    """A well-formed JobPlacementAttempted for a job the gateway never had (say, from another deployment
    sharing the broker): the gateway's read model refuses it every time (its job_events need the job)."""
    event = JobPlacementAttempted(job_id=uuid.uuid4(), tenant_id=uuid.UUID(tenant_id), attempt=1, vendor="modelarts",
                                  flavor="f", outcome="capacity", attempted_at=datetime.now(UTC))
    envelope = Envelope(source="switchyard/scheduler", data=event)
    producer = AIOKafkaProducer(bootstrap_servers=stack.env["SWITCHYARD_KAFKA_BOOTSTRAP_SERVERS"])
    await producer.start()
    try:
        await producer.send_and_wait(stack.env["SWITCHYARD_TOPIC_PREFIX"] + JOBS_EVENTS, envelope.kafka_body(),
                                     key=envelope.subject.encode(),
                                     headers=[(k, v.encode()) for k, v in envelope.kafka_headers().items()])
    finally:
        await producer.stop()
    return envelope


def test_a_message_the_gateway_always_fails_on_is_parked_retried_and_dropped(stack, admin, tenant):
    poison = asyncio.run(_publish_attempt_of_unknown_job(stack, tenant.tenant_id))
    submitted = tenant.post("/v1/jobs", json=training("beside-the-poison"))
    assert submitted.status_code == 202, submitted.text
    assert job_in(tenant, submitted.json()["id"], "SUCCEEDED", "FAILED")["status"] == "SUCCEEDED"

    parked = wait_for(lambda: dead_letter(admin, poison.id), what="the failing message parked")
    prefix = stack.env["SWITCHYARD_TOPIC_PREFIX"]
    assert parked["origin"] == "consumer" and parked["consumer_group"] == prefix + "gateway"
    assert parked["topic"] == prefix + JOBS_EVENTS and parked["offset"] is not None and parked["attempts"] == 5
    assert "ForeignKeyViolation" in parked["error"] and parked["headers"]["ce_id"] == str(poison.id)

    retried = admin.post(f"/v1/admin/dead-letters/{parked['id']}/retry")
    assert retried.status_code == 200, retried.text
    assert retried.json()["topic"] == prefix + JOBS_EVENTS and retried.json()["offset"] != parked["offset"]
    # Published again, it fails again in the gateway alone, and is parked anew at its new offset.
    again = wait_for(lambda: (d := dead_letter(admin, poison.id)) and d["offset"] == retried.json()["offset"] and d,
                     what="the retried message parked again")
    assert again["id"] != parked["id"]
    assert admin.delete(f"/v1/admin/dead-letters/{again['id']}").status_code == 204
    assert dead_letter(admin, poison.id) is None

    after = tenant.post("/v1/jobs", json=training("after-the-retry"))
    assert job_in(tenant, after.json()["id"], "SUCCEEDED", "FAILED")["status"] == "SUCCEEDED"
