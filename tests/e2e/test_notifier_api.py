"""Webhooks and topics through the public gateway on the whole stack: event types, rotation, test messages,
deliveries with their attempts, placement failures, and an SMN-style topic whose subscriber confirms by
GETting the gateway's subscribe_url."""

import json

import httpx
import pytest
from standardwebhooks import Webhook

from services.notifier import smn
from tests.e2e.helpers import job_in, verified_webhooks, wait_for
from tests.e2e.test_walking_skeleton import training

pytestmark = pytest.mark.e2e


def test_event_types_are_listed_with_schemas(tenant):
    items = tenant.get("/v1/event-types").json()["items"]
    names = {i["name"] for i in items if i["subscribable"]}
    assert {"job.placement_failed", "billing.funds_low", "webhook.attempt_exhausted", "endpoint.disabled"} <= names
    assert all(i["schema"]["properties"]["type"]["const"] == i["name"] for i in items)


def test_rotation_test_message_and_deliveries(tenant, receiver):
    hook = tenant.post("/v1/webhooks", json={"url": receiver.url, "event_types": ["job.placement_failed"]}).json()
    rotated = tenant.post(f"/v1/webhooks/{hook['id']}/rotate-secret")
    assert rotated.status_code == 200, rotated.text
    sent = tenant.post(f"/v1/webhooks/{hook['id']}/test")
    assert sent.status_code == 202
    wait_for(lambda: receiver.requests, what="the test message")
    request = receiver.requests[0]
    for secret in (hook["secret"], rotated.json()["secret"]):  # both sign during the rotation
        assert Webhook(secret).verify(request.body, request.headers)["type"] == "webhook.test"

    # A job no vendor can take is announced as job.placement_failed (job.failed is for failures on a vendor).
    spec = training("huge") | {"resources": {"accelerator": "nvidia-h200", "count": 8}}
    job_id = tenant.post("/v1/jobs", json=spec).json()["id"]
    job_in(tenant, job_id, "FAILED")
    payloads = wait_for(lambda: [p for _, p in verified_webhooks(receiver, rotated.json()["secret"])
                                 if p["type"] == "job.placement_failed"], what="placement failure webhook")
    assert payloads[0]["data"]["job_id"] == job_id and payloads[0]["data"]["reason"].startswith("no_flavor")

    deliveries = wait_for(lambda: [d for d in tenant.get(f"/v1/webhooks/{hook['id']}/deliveries").json()["items"]
                                   if d["status"] == "delivered"] or None, what="delivered deliveries")
    assert all(d["attempt_history"][-1]["status_code"] == 204 for d in deliveries)
    assert tenant.get(f"/v1/webhooks/{hook['id']}").json()["status"] == "enabled"


def test_topic_subscriber_confirms_through_the_gateway_and_gets_failures(tenant, receiver):
    topic = tenant.post("/v1/topics", json={"name": "failures", "event_types": ["job.failed"]})
    assert topic.status_code == 201, topic.text
    topic = topic.json()
    sub = tenant.post(f"/v1/topics/{topic['id']}/subscriptions", json={
        "protocol": "http", "endpoint": receiver.url, "filter_policy": {"vendor": ["modelarts"]}})
    assert sub.status_code == 201, sub.text
    assert sub.json()["status"] == "unconfirmed"

    wait_for(lambda: receiver.requests, what="the subscription confirmation")
    confirmation = json.loads(receiver.requests[0].body)
    assert receiver.requests[0].headers["x-smn-message-type"] == "SubscriptionConfirmation"
    assert smn.verify(confirmation, sub.json()["signing_secret"])
    assert httpx.get(confirmation["subscribe_url"], timeout=10).json()["status"] == "confirmed"  # no API key
    assert tenant.get(f"/v1/topics/{topic['id']}/subscriptions").json()["items"][0]["status"] == "confirmed"

    job_id = tenant.post("/v1/jobs", json=training("doomed", SWITCHYARD_SIM_RUN_SECONDS="1",
                                                   SWITCHYARD_SIM_OUTCOME="failed")).json()["id"]
    job_in(tenant, job_id, "FAILED")
    notification = wait_for(lambda: [json.loads(r.body) for r in receiver.requests
                                     if r.headers["x-smn-message-type"] == "Notification"], what="notification")[0]
    assert smn.verify(notification, sub.json()["signing_secret"])
    event = json.loads(notification["message"])
    assert event["type"] == "job.failed" and event["data"]["job_id"] == job_id
    assert event["data"]["kind"] == "training"
    assert httpx.get(notification["unsubscribe_url"], timeout=10).json()["status"] == "unsubscribed"
    assert tenant.delete(f"/v1/topics/{topic['id']}").status_code == 204
