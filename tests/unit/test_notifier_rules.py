"""Notifier rules without Kafka or PostgreSQL: event mapping, backoff, URL policy, signatures."""

import json
import socket
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from contracts.events import Envelope, JobRejected, JobStateChanged, JobSubmitted
from contracts.status import JobStatus
from services.notifier import signing, urls
from services.notifier.event_types import WEBHOOK_EVENT_TYPES, webhook_event
from services.notifier.handlers import delivery_id
from services.notifier.retry import RetryPolicy

JOB, TENANT = uuid.uuid4(), uuid.uuid4()
WHEN = datetime(2025, 3, 1, 12, 0, 5, 123000, tzinfo=timezone(timedelta(hours=8)))


def changed(to: JobStatus, from_: JobStatus = JobStatus.PENDING, **extra) -> Envelope:
    event = JobStateChanged(
        job_id=JOB, tenant_id=TENANT, vendor="modelarts", vendor_job_id="v-1", from_status=from_,
        to_status=to, raw_status="Running", vendor_time=None, observed_at=WHEN, sequence=3, **extra,
    )
    return Envelope(source="watcher", time=WHEN, data=event)


# --- event mapping

@pytest.mark.parametrize("status, expected", [
    (JobStatus.QUEUED, "job.queued"), (JobStatus.RUNNING, "job.running"),
    (JobStatus.SUCCEEDED, "job.succeeded"), (JobStatus.FAILED, "job.failed"), (JobStatus.STOPPED, "job.stopped"),
])
def test_state_change_maps_to_its_webhook_type(status, expected):
    webhook = webhook_event(changed(status))
    assert webhook.type == expected and webhook.payload["type"] == expected
    assert expected in WEBHOOK_EVENT_TYPES


def test_a_raw_status_change_alone_sends_no_webhook():
    assert webhook_event(changed(JobStatus.QUEUED, from_=JobStatus.QUEUED)) is None


def test_state_change_payload():
    webhook = webhook_event(changed(JobStatus.RUNNING, from_=JobStatus.QUEUED, reason="started"))
    assert webhook.payload == {
        "type": "job.running",
        "timestamp": "2025-03-01T04:00:05.123000Z",
        "data": {
            "job_id": str(JOB), "status": "RUNNING", "previous_status": "QUEUED", "vendor": "modelarts",
            "vendor_job_id": "v-1", "raw_status": "Running", "reason": "started", "sequence": 3,
        },
    }
    assert json.loads(webhook.body()) == webhook.payload


def test_pending_is_not_announced():
    assert webhook_event(changed(JobStatus.PENDING, from_=JobStatus.QUEUED)) is None


def test_rejection_is_a_failure_with_its_reason():
    event = JobRejected(job_id=JOB, tenant_id=TENANT, reason="no_flavor", message="nothing fits", rejected_at=WHEN)
    webhook = webhook_event(Envelope(source="scheduler", time=WHEN, data=event))
    assert webhook.type == "job.failed"
    assert webhook.payload["data"] == {
        "job_id": str(JOB), "status": "FAILED", "previous_status": "PENDING", "vendor": None,
        "vendor_job_id": None, "raw_status": None, "reason": "no_flavor", "sequence": None,
    }


def test_submission_is_not_announced():
    event = JobSubmitted(job_id=JOB, tenant_id=TENANT, vendor="caip", vendor_job_id="x", flavor="f",
                         accelerator="mlu370", count=1, vendor_price_per_hour=1, raw_status="Pending",
                         submitted_at=WHEN)
    assert webhook_event(Envelope(source="scheduler", data=event)) is None


def test_delivery_id_is_deterministic_per_event_and_endpoint():
    event, endpoint, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    assert delivery_id(event, endpoint) == delivery_id(event, endpoint)
    assert delivery_id(event, endpoint) != delivery_id(event, other)
    assert delivery_id(event, endpoint) != delivery_id(uuid.uuid4(), endpoint)


# --- backoff

POLICY = RetryPolicy(base_s=5.0, cap_s=60.0, max_attempts=8)


def test_backoff_doubles_without_jitter():
    middle = lambda: 0.5  # noqa: E731  -- jitter factor exactly 1
    assert [POLICY.next_delay(n, middle) for n in range(1, 6)] == [5.0, 10.0, 20.0, 40.0, 60.0]


def test_backoff_is_capped():
    assert POLICY.next_delay(7, lambda: 0.5) == 60.0
    assert RetryPolicy(5.0, 60.0, 10_000).next_delay(5_000, lambda: 0.5) == 60.0


@pytest.mark.parametrize("n", range(1, 8))
def test_jitter_stays_within_twenty_percent_and_under_the_cap(n):
    nominal = min(60.0, 5.0 * 2 ** (n - 1))
    assert POLICY.next_delay(n, lambda: 0.0) == pytest.approx(nominal * 0.8)
    assert POLICY.next_delay(n, lambda: 1.0) == pytest.approx(min(nominal * 1.2, 60.0))
    for _ in range(200):
        assert nominal * 0.8 - 1e-9 <= POLICY.next_delay(n) <= min(nominal * 1.2, 60.0)


def test_gives_up_after_max_attempts():
    assert POLICY.next_delay(7) is not None
    assert POLICY.next_delay(8) is None
    assert RetryPolicy(0.05, 1.0, 1).next_delay(1) is None


# --- URL policy

def resolving_to(*addresses):
    async def resolve(host, port):
        return list(addresses)
    return resolve


async def unresolvable(host, port):
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


async def test_public_https_url_is_accepted():
    await urls.check("https://hooks.example.com/x", allow_private=False, resolver=resolving_to("93.184.216.34"))


@pytest.mark.parametrize("url, why", [
    ("http://hooks.example.com/x", "https"),
    ("ftp://hooks.example.com/x", "https"),
    ("https:///x", "no host"),
    ("https://user:pw@hooks.example.com/x", "credentials"),
    ("https://hooks.example.com/" + "a" * 2100, "longer"),
])
async def test_bad_shapes_are_refused(url, why):
    with pytest.raises(urls.UrlRefused, match=why):
        await urls.check(url, allow_private=False, resolver=resolving_to("93.184.216.34"))


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
    "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "224.0.0.1",
])
async def test_non_public_addresses_are_refused(address):
    assert not urls.is_public(address)
    with pytest.raises(urls.UrlRefused, match="non-public"):
        await urls.check("https://hooks.example.com/", allow_private=False, resolver=resolving_to(address))


async def test_one_private_address_among_public_ones_is_enough_to_refuse():
    with pytest.raises(urls.UrlRefused, match="10.0.0.1"):
        await urls.public_address("https://h.example.com/", resolver=resolving_to("93.184.216.34", "10.0.0.1"))


async def test_unresolvable_host_is_refused():
    with pytest.raises(urls.UrlRefused, match="does not resolve"):
        await urls.check("https://nowhere.invalid/", allow_private=False, resolver=unresolvable)


async def test_private_targets_allowed_in_development():
    await urls.check("http://127.0.0.1:9/x", allow_private=True, resolver=unresolvable)
    with pytest.raises(urls.UrlRefused):
        await urls.check("ftp://127.0.0.1/x", allow_private=True)


def test_pinned_request_keeps_host_and_tls_name():
    url, headers, extensions = urls.pinned("https://hooks.example.com:8443/in?a=1", "93.184.216.34")
    assert url == "https://93.184.216.34:8443/in?a=1"
    assert headers == {"host": "hooks.example.com:8443"}
    assert extensions == {"sni_hostname": "hooks.example.com"}
    assert urls.pinned("https://h.example.com/", "2606:4700::1")[0] == "https://[2606:4700::1]/"


# --- signatures

def test_secret_has_the_standard_webhooks_shape():
    secret = signing.new_secret()
    assert secret.startswith("whsec_") and len(secret) >= 6 + 32
    assert signing.new_secret() != secret


def test_signature_verifies_with_standardwebhooks():
    secret, body = signing.new_secret(), '{"type":"job.running"}'
    headers = signing.signed_headers(secret, "msg-1", body, datetime.now(UTC))
    assert headers["webhook-id"] == "msg-1" and headers["content-type"] == "application/json"
    assert Webhook(secret).verify(body, headers) == {"type": "job.running"}
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace("running", "failed"), headers)


def test_signature_timestamp_is_utc_seconds_whatever_the_zone():
    at = datetime(2025, 3, 1, 12, 0, 0, tzinfo=timezone(timedelta(hours=8)))
    assert signing.signed_headers(signing.new_secret(), "m", "{}", at)["webhook-timestamp"] == str(int(at.timestamp()))
