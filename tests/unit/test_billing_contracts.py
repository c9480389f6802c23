"""Billing's events on the wire: registered, round-tripping through Kafka headers and body, keyed right."""

import uuid
from datetime import UTC, datetime, timedelta

from contracts.billing import BILLING_USAGE, JobFundsExhausted, JobFundsRestored, UsageMinute
from contracts.events import EVENT_TYPES, Envelope

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def test_billing_events_are_registered_and_round_trip():
    job, tenant = uuid.uuid4(), uuid.uuid4()
    for event in (UsageMinute(job_id=job, tenant_id=tenant, minute=3, minute_at=NOW),
                  JobFundsExhausted(job_id=job, tenant_id=tenant, minute=4, shortfall=200_000, exhausted_at=NOW,
                                    stop_after=NOW + timedelta(minutes=5)),
                  JobFundsRestored(job_id=job, tenant_id=tenant, minute=9, restored_at=NOW)):
        assert EVENT_TYPES[event.TYPE] is type(event)
        envelope = Envelope(source="switchyard/billing", data=event)
        assert envelope.kafka_headers()["ce_subject"] == str(job)
        assert Envelope.from_kafka(envelope.kafka_headers(), envelope.kafka_body()) == envelope


def test_the_usage_stream_is_billing_s_own_topic():
    assert BILLING_USAGE == "switchyard.billing.usage"
