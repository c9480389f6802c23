"""Which failures park an event or a message, and which are only retried."""

import asyncio

import asyncpg
import pytest
from aiokafka import errors as kafka_errors

from services.common.poison import MAX_PAUSE_S, MAX_TRIES, Verdict, delivery_verdict, is_outage, pause_s, publish_verdict


@pytest.mark.parametrize("error", [kafka_errors.MessageSizeTooLargeError(), kafka_errors.RecordListTooLargeError(),
                                   kafka_errors.InvalidTopicError(), kafka_errors.TopicAuthorizationFailedError()])
def test_a_record_the_broker_refuses_for_good_is_parked_at_the_first_try(error):
    assert publish_verdict(error, 1) is Verdict.PARK


@pytest.mark.parametrize("error", [kafka_errors.KafkaConnectionError(), kafka_errors.KafkaTimeoutError(),
                                   kafka_errors.NodeNotReadyError(), kafka_errors.NotLeaderForPartitionError(),
                                   kafka_errors.RequestTimedOutError(), ConnectionRefusedError(), asyncio.TimeoutError()])
def test_a_broker_away_is_retried_without_end(error):
    assert is_outage(error)
    assert publish_verdict(error, 1) is Verdict.RETRY
    assert publish_verdict(error, 10 * MAX_TRIES) is Verdict.RETRY


def test_an_unknown_publish_error_is_parked_after_the_last_try():
    error = kafka_errors.UnknownError()
    assert [publish_verdict(error, tries) for tries in range(1, MAX_TRIES + 1)] == \
        [Verdict.RETRY] * (MAX_TRIES - 1) + [Verdict.PARK]


def test_a_handler_failing_on_its_message_parks_it_after_the_last_try():
    error = ValueError("no such tenant")
    assert delivery_verdict(error, MAX_TRIES - 1) is Verdict.RETRY
    assert delivery_verdict(error, MAX_TRIES) is Verdict.PARK


@pytest.mark.parametrize("error", [asyncpg.CannotConnectNowError(), asyncpg.TooManyConnectionsError(),
                                   asyncpg.SerializationError(), asyncpg.DeadlockDetectedError(),
                                   ConnectionResetError(), asyncpg.ConnectionDoesNotExistError(),
                                   asyncpg.InternalClientError("cannot switch to state 12")])
def test_a_database_outage_never_parks_a_message(error):
    assert delivery_verdict(error, 100) is Verdict.RETRY


def test_a_constraint_violation_is_the_message_s_fault():
    assert not is_outage(asyncpg.ForeignKeyViolationError())
    assert delivery_verdict(asyncpg.ForeignKeyViolationError(), MAX_TRIES) is Verdict.PARK


def test_the_pause_doubles_up_to_its_cap():
    assert [pause_s(n) for n in (0, 1, 2, 3, 4, 10)] == [1.0, 1.0, 2.0, 4.0, MAX_PAUSE_S, MAX_PAUSE_S]
