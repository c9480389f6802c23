"""Notifier rules without Kafka or PostgreSQL: event mapping, retry schedule, URL policy, signatures."""

import json
import socket
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from contracts.billing_events import FundsExhausted, FundsLow, PackageExpired, PackageLow
from contracts.events import Envelope, JobRejected, JobStateChanged, JobSubmitted
from contracts.status import JobStatus
from services.notifier import signing, urls
from services.notifier.config import NotifierSettings
from services.notifier.event_types import CATALOG, WEBHOOK_EVENT_TYPES, from_envelope
from services.notifier.fanout import delivery_id
from services.notifier.retry import SVIX_SCHEDULE, after_attempt, next_attempt_at, next_delay, parse_schedule

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
    webhook = from_envelope(changed(status))
    assert webhook.type == expected and webhook.payload["type"] == expected
    assert expected in WEBHOOK_EVENT_TYPES


def test_a_raw_status_change_alone_sends_no_webhook():
    assert from_envelope(changed(JobStatus.QUEUED, from_=JobStatus.QUEUED)) is None


def test_state_change_payload():
    webhook = from_envelope(changed(JobStatus.RUNNING, from_=JobStatus.QUEUED, reason="started"))
    assert webhook.payload == {
        "type": "job.running",
        "timestamp": "2025-03-01T04:00:05.123000Z",
        "data": {
            "job_id": str(JOB), "kind": None, "status": "RUNNING", "previous_status": "QUEUED",
            "vendor": "modelarts", "vendor_job_id": "v-1", "raw_status": "Running", "reason": "started", "sequence": 3,
        },
    }
    assert json.loads(webhook.body()) == webhook.payload
    assert webhook.attributes == {"event_type": "job.running", "job_id": str(JOB), "kind": None,
                                  "vendor": "modelarts", "status": "RUNNING"}


def test_known_kind_is_in_the_payload_and_the_attributes():
    webhook = from_envelope(changed(JobStatus.FAILED, from_=JobStatus.RUNNING), kind="training")
    assert webhook.payload["data"]["kind"] == "training" and webhook.attributes["kind"] == "training"


def test_pending_is_not_announced():
    assert from_envelope(changed(JobStatus.PENDING, from_=JobStatus.QUEUED)) is None


def test_rejection_is_a_placement_failure_not_a_vendor_failure():
    event = JobRejected(job_id=JOB, tenant_id=TENANT, reason="no_flavor", message="nothing fits", rejected_at=WHEN)
    webhook = from_envelope(Envelope(source="scheduler", time=WHEN, data=event))
    assert webhook.type == "job.placement_failed"
    assert webhook.payload["data"] == {"job_id": str(JOB), "kind": None, "status": "FAILED", "reason": "no_flavor",
                                       "message": "nothing fits"}
    assert webhook.attributes["status"] == "FAILED" and webhook.attributes["vendor"] is None


@pytest.mark.parametrize("event, type_, data", [
    (FundsLow(tenant_id=TENANT, occurred_at=WHEN, balance=18_400_000, available=19_000_000, threshold_percent=20,
              last_top_up=100_000_000),
     "billing.funds_low", {"balance": "18.40", "available": "19.00", "threshold_percent": 20,
                           "last_top_up": "100.00", "currency": "CNY", "job_id": None}),
    (FundsExhausted(tenant_id=TENANT, job_id=JOB, occurred_at=WHEN, balance=-250_000),
     "billing.funds_exhausted", {"balance": "-0.25", "currency": "CNY", "job_id": str(JOB)}),
    (PackageLow(tenant_id=TENANT, occurred_at=WHEN, package_id=JOB, accelerator="ascend-910b", unit="card_hours",
                granted=100_000_000, remaining=9_500_000, threshold_percent=10, expires_at=WHEN),
     "billing.package_low", {"package_id": str(JOB), "accelerator": "ascend-910b", "unit": "card_hours",
                             "granted": "100.00", "remaining": "9.50", "threshold_percent": 10,
                             "expires_at": "2025-03-01T12:00:05.123000+08:00", "job_id": None}),
    (PackageExpired(tenant_id=TENANT, occurred_at=WHEN, package_id=JOB, accelerator=None, unit="CNY",
                    granted=500_000_000, remaining=1_000_000, expired_at=WHEN),
     "billing.package_expired", {"package_id": str(JOB), "accelerator": None, "unit": "CNY", "granted": "500.00",
                                 "remaining": "1.00", "expired_at": "2025-03-01T12:00:05.123000+08:00"}),
])
def test_billing_events_become_billing_notifications(event, type_, data):
    envelope = Envelope(source="billing", time=WHEN, data=event)
    assert Envelope.from_kafka(envelope.kafka_headers(), envelope.kafka_body()).data == event  # registered
    notification = from_envelope(envelope)
    assert notification.type == type_ and notification.payload["data"] == data
    assert notification.attributes["event_type"] == type_


def test_every_subscribable_type_has_a_payload_schema():
    assert set(WEBHOOK_EVENT_TYPES) < set(CATALOG)
    for name, info in CATALOG.items():
        schema = info.schema()
        assert schema["properties"]["type"]["const"] == name
        assert set(schema["required"]) == {"type", "timestamp", "data"}


def test_submission_is_not_announced():
    event = JobSubmitted(job_id=JOB, tenant_id=TENANT, vendor="caip", vendor_job_id="x", flavor="f",
                         accelerator="mlu370", count=1, vendor_price_per_hour=1, raw_status="Pending",
                         submitted_at=WHEN)
    assert from_envelope(Envelope(source="scheduler", data=event)) is None


def test_delivery_id_is_deterministic_per_event_and_endpoint():
    event, endpoint, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    assert delivery_id(event, endpoint) == delivery_id(event, endpoint)
    assert delivery_id(event, endpoint) != delivery_id(event, other)
    assert delivery_id(event, endpoint) != delivery_id(uuid.uuid4(), endpoint)


# --- retry schedule

def test_svix_schedule_is_the_default():
    assert NotifierSettings().webhook_retry_schedule == SVIX_SCHEDULE == (5, 300, 1800, 7200, 18000, 36000, 36000)


def test_schedule_is_configurable_with_units():
    assert parse_schedule("5s, 5m,30m,2h,1d,0.5") == (5, 300, 1800, 7200, 86400, 0.5)
    assert parse_schedule("") == ()
    assert NotifierSettings(webhook_retry_schedule="1s,2s").webhook_retry_schedule == (1.0, 2.0)
    with pytest.raises(ValueError):
        parse_schedule("5s,soon")


def test_blank_settings_mean_unset():
    settings = NotifierSettings(smtp_username="", public_url="", gateway_port=8123)
    assert settings.smtp_username is None and settings.public_base_url == "http://127.0.0.1:8123"


def test_delays_follow_the_schedule_without_jitter():
    middle = lambda: 0.5  # noqa: E731  -- jitter factor exactly 1
    assert [next_delay(SVIX_SCHEDULE, n, 0.2, middle) for n in range(1, 9)] == [
        5, 300, 1800, 7200, 18000, 36000, 36000, None]


@pytest.mark.parametrize("n", range(1, 8))
def test_jitter_stays_within_its_band(n):
    nominal = SVIX_SCHEDULE[n - 1]
    assert next_delay(SVIX_SCHEDULE, n, 0.2, lambda: 0.0) == pytest.approx(nominal * 0.8)
    assert next_delay(SVIX_SCHEDULE, n, 0.2, lambda: 1.0) == pytest.approx(nominal * 1.2)
    for _ in range(200):
        assert nominal * 0.8 - 1e-9 <= next_delay(SVIX_SCHEDULE, n, 0.2) <= nominal * 1.2 + 1e-9


def test_next_attempt_is_counted_from_the_clock_given():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert next_attempt_at(SVIX_SCHEDULE, 3, 0.2, now, lambda: 0.5) == now + timedelta(minutes=30)
    assert next_attempt_at(SVIX_SCHEDULE, 8, 0.2, now) is None


def test_after_an_attempt():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    kw = dict(schedule=(5.0, 60.0), jitter=0.0, now=now)
    assert after_attempt(delivered=True, aborted=False, round_attempts=3, **kw).status == "delivered"
    retry = after_attempt(delivered=False, aborted=False, round_attempts=1, **kw)
    assert (retry.status, retry.next_attempt_at, retry.exhausted) == ("pending", now + timedelta(seconds=5), False)
    assert after_attempt(delivered=False, aborted=False, round_attempts=2, **kw).next_attempt_at == now + timedelta(
        seconds=60)
    last = after_attempt(delivered=False, aborted=False, round_attempts=3, **kw)
    assert (last.status, last.exhausted) == ("failed", True)
    aborted = after_attempt(delivered=False, aborted=True, round_attempts=1, **kw)
    assert (aborted.status, aborted.exhausted) == ("failed", False)  # the receiver said stop: no announcement


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


# IPv6 forms that embed an IPv4 address: the embedded private address must not slip through.
@pytest.mark.parametrize("address", [
    "64:ff9b::10.0.0.1",  # NAT64 well-known prefix: judged by the IPv4 address it carries
    "64:ff9b::127.0.0.1",
    "64:ff9b::169.254.169.254",
    "64:ff9b:1::a00:1",  # local-use NAT64: refused outright
    "64:ff9b:1:ffff::8.8.8.8",
    "2002:a00:1::1",  # 6to4 of 10.0.0.1: judged by the IPv4 address it carries
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
    "::10.0.0.1",  # IPv4-compatible: refused outright
    "::8.8.8.8",
    "::ffff:0:10.0.0.1",  # SIIT IPv4-translated: refused outright
    "::ffff:0:8.8.8.8",
    "fec0::1",  # the old site-local range: refused outright
    "feff:ffff::1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo (2001::/32) is not global
])
async def test_ipv6_forms_embedding_ipv4_are_refused(address):
    assert not urls.is_public(address)
    with pytest.raises(urls.UrlRefused, match="non-public"):
        await urls.check("https://hooks.example.com/", allow_private=False, resolver=resolving_to(address))


@pytest.mark.parametrize("address", ["64:ff9b::8.8.8.8", "2002:808:808::1", "::ffff:93.184.216.34",
                                     "2606:4700:4700::1111"])
def test_ipv6_forms_carrying_a_public_ipv4_address_stay_public(address):
    assert urls.is_public(address)


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


# --- signatures

def test_secret_has_the_standard_webhooks_shape():
    secret = signing.new_secret()
    assert secret.startswith("whsec_") and len(secret) >= 6 + 32
    assert signing.new_secret() != secret


def test_signature_verifies_with_standardwebhooks():
    secret, body = signing.new_secret(), '{"type":"job.running"}'
    headers = signing.signed_headers((secret,), "msg-1", body, datetime.now(UTC))
    assert headers["webhook-id"] == "msg-1" and headers["content-type"] == "application/json"
    assert Webhook(secret).verify(body, headers) == {"type": "job.running"}
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace("running", "failed"), headers)


def test_signature_timestamp_is_utc_seconds_whatever_the_zone():
    at = datetime(2025, 3, 1, 12, 0, 0, tzinfo=timezone(timedelta(hours=8)))
    assert signing.signed_headers((signing.new_secret(),), "m", "{}", at)["webhook-timestamp"] == str(int(at.timestamp()))


def test_during_a_rotation_both_secrets_sign_and_either_verifies():
    new, old = signing.new_secret(), signing.new_secret()
    body = '{"type":"job.failed"}'
    headers = signing.signed_headers((new, old), "msg-2", body, datetime.now(UTC))
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert Webhook(new).verify(body, headers) == Webhook(old).verify(body, headers) == {"type": "job.failed"}
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(body, headers)


def test_a_job_queued_in_switchyards_own_queue_is_announced_without_a_vendor():
    event = JobStateChanged(
        job_id=JOB, tenant_id=TENANT, vendor=None, vendor_job_id=None, from_status=JobStatus.PENDING,
        to_status=JobStatus.QUEUED, raw_status="switchyard:queued", reason="quota", vendor_time=None,
        observed_at=WHEN, sequence=1,
    )
    webhook = from_envelope(Envelope(source="scheduler", time=WHEN, data=event))
    assert webhook.type == "job.queued"
    assert webhook.payload["data"]["vendor"] is None and webhook.payload["data"]["reason"] == "quota"
