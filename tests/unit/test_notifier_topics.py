"""SMN-style messages, their signatures, and filter policies, without I/O."""

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime

import pytest

from services.notifier import filters, smn

AT = datetime(2026, 11, 22, 10, 30, 15, 999000, tzinfo=UTC)
SECRET = "smnsec_test"


def notification(subject="job.failed: job 1") -> dict:
    return smn.notification(message_id="88c726942175432bac921eafd0036163", topic_urn_="urn:smn:switchyard:t:alerts",
                            subject=subject, message='{"type":"job.failed"}', at=AT,
                            unsubscribe_url="http://gw/v1/subscriptions/unsubscribe?token=x", secret=SECRET)


def test_notification_has_smn_fields_and_a_verifiable_signature():
    message = notification()
    assert set(message) == {"type", "message_id", "topic_urn", "subject", "message", "timestamp", "unsubscribe_url",
                            "signature_version", "signature"}
    assert message["type"] == "Notification" and message["timestamp"] == "2026-11-22T10:30:15Z"
    # What a subscriber does (README): sorted signed fields, each name and value on its own line, HMAC-SHA256.
    to_sign = "".join(f"{k}\n{message[k]}\n" for k in ("message", "message_id", "subject", "timestamp",
                                                         "topic_urn", "type"))
    expected = base64.b64encode(hmac.new(SECRET.encode(), to_sign.encode(), hashlib.sha256).digest()).decode()
    assert message["signature"] == expected
    assert smn.verify(message, SECRET)
    assert not smn.verify(message | {"message": "tampered"}, SECRET)
    assert not smn.verify(message, "smnsec_other")


def test_blank_subject_is_left_out_of_the_signature():
    message = notification(subject="")
    assert "subject" not in smn.string_to_sign(message) and smn.verify(message, SECRET)


def test_confirmation_signs_the_subscribe_url():
    message = smn.confirmation(message_id="m", topic_urn_="urn:smn:switchyard:t:alerts",
                               subscribe_url="http://gw/v1/subscriptions/confirm?token=abc", at=AT, secret=SECRET)
    assert message["type"] == "SubscriptionConfirmation" and "subscribe_url\nhttp://gw" in smn.string_to_sign(message)
    assert smn.verify(message, SECRET)
    assert not smn.verify(message | {"subscribe_url": "http://evil/confirm"}, SECRET)


def test_http_headers_and_urns():
    tenant, sub = uuid.uuid4(), uuid.uuid4()
    urn = smn.topic_urn(tenant, "alerts")
    assert urn == f"urn:smn:switchyard:{tenant.hex}:alerts"
    headers = smn.http_headers(notification(), smn.subscription_urn(urn, sub))
    assert headers == {"X-SMN-MESSAGE-TYPE": "Notification", "X-SMN-MESSAGE-ID": "88c726942175432bac921eafd0036163",
                       "X-SMN-TOPIC-URN": "urn:smn:switchyard:t:alerts",
                       "X-SMN-SUBSCRIPTION-URN": f"{urn}:{sub.hex}"}


def test_mails_carry_the_links_and_a_stable_message_id():
    confirm = smn.confirmation(message_id="m1", topic_urn_="urn:smn:switchyard:t:alerts",
                               subscribe_url="http://gw/confirm?token=abc", at=AT, secret=SECRET)
    mail = smn.email(confirm, sender="sy@example.com", to="ops@example.com")
    assert mail["Subject"] == "Confirm your subscription to alerts"
    assert "http://gw/confirm?token=abc" in mail.get_content()
    again = smn.email(json.loads(json.dumps(confirm)), sender="sy@example.com", to="ops@example.com")
    assert mail["Message-ID"] == again["Message-ID"]
    note = smn.email(notification(), sender="sy@example.com", to="ops@example.com")
    assert note["Subject"] == "job.failed: job 1" and "unsubscribe?token=x" in note.get_content()


# --- filter policies

@pytest.mark.parametrize("policy, attributes, passes", [
    (None, {}, True),
    ({"vendor": ["modelarts"], "status": ["FAILED"]}, {"vendor": "modelarts", "status": "FAILED"}, True),
    ({"vendor": ["modelarts"], "status": ["FAILED"]}, {"vendor": "modelarts", "status": "RUNNING"}, False),
    ({"vendor": ["modelarts", "caip"]}, {"vendor": "caip"}, True),
    ({"vendor": ["modelarts"]}, {"status": "FAILED"}, False),  # missing attribute
    ({"vendor": ["modelarts"]}, {"vendor": None}, False),
    ({"event_type": [{"prefix": "job."}]}, {"event_type": "job.failed"}, True),
    ({"event_type": [{"prefix": "job."}]}, {"event_type": "billing.funds_low"}, False),
    ({"status": [{"anything-but": ["RUNNING", "QUEUED"]}]}, {"status": "FAILED"}, True),
    ({"status": [{"anything-but": "RUNNING"}]}, {"status": "RUNNING"}, False),
    ({"status": [{"anything-but": ["RUNNING"]}]}, {}, False),
    ({"vendor": [{"exists": False}]}, {"vendor": None}, True),
    ({"vendor": [{"exists": True}]}, {"vendor": None}, False),
    ({"kind": ["training", {"exists": False}]}, {}, True),
])
def test_filter_policy(policy, attributes, passes):
    if policy is not None:
        filters.validate(policy)
    assert filters.matches(policy, attributes) is passes


@pytest.mark.parametrize("policy", [
    {}, [], {"vendor": "modelarts"}, {"vendor": []}, {"vendor": [1]}, {"vendor": [{"suffix": "x"}]},
    {"vendor": [{"prefix": ""}]}, {"vendor": [{"exists": "yes"}]}, {"vendor": [{"prefix": "a", "exists": True}]},
    {f"k{i}": ["v"] for i in range(11)},
])
def test_invalid_filter_policies_are_refused(policy):
    with pytest.raises(filters.InvalidFilterPolicy):
        filters.validate(policy)


@pytest.mark.parametrize(("protocol", "endpoint", "refusal"), [
    ("email", "ops@example.com", None),
    ("email", "nope", "not an e-mail address"),
    ("email", "two@at@example.com", "not an e-mail address"),
    ("email", "a@b.c, d@e.f", "not an e-mail address"),
    ("email", "x" * 243 + "@example.com", "not an e-mail address"),
    ("https", "https://hooks.example.com/x", None),
    ("https", "HTTPS://hooks.example.com/x", None),
    ("https", "http://hooks.example.com/x", "a https subscription needs a https:// URL"),
    ("http", "ops@example.com", "a http subscription needs a http:// URL"),
])
def test_a_subscription_endpoint_must_fit_its_protocol(protocol, endpoint, refusal):
    assert smn.endpoint_refusal(protocol, endpoint) == refusal
