"""When to give up on an event: which publish errors can never succeed, which failures are an outage
(retried without end, nothing parked), and after how many failed tries a message is parked as a dead letter."""

from enum import Enum

import asyncpg
from aiokafka import errors as kafka_errors

from services.common.db import CONNECTION_ERRORS

# Tries of one event before it is parked, for an error that is neither an outage nor known to be permanent.
MAX_TRIES = 5
MAX_PAUSE_S = 8.0

# The broker refuses these for the record itself: sending it again can never succeed.
_PERMANENT_PUBLISH_ERRORS = (
    kafka_errors.MessageSizeTooLargeError,
    kafka_errors.RecordListTooLargeError,
    kafka_errors.InvalidTopicError,
    kafka_errors.TopicAuthorizationFailedError,
    kafka_errors.CorruptRecordException,
    kafka_errors.UnsupportedVersionError,
)

# The database or the network is away: every event would fail alike, so no event is to blame.
_OUTAGE_ERRORS = (
    *CONNECTION_ERRORS,
    asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError,
    kafka_errors.KafkaTimeoutError,  # not marked retriable by aiokafka, but what a broker away looks like
    kafka_errors.KafkaConnectionError,
    kafka_errors.RequestTimedOutError,
)


def is_outage(error: BaseException) -> bool:
    """The database or the broker is away (or busy): not the event's fault."""
    return isinstance(error, _OUTAGE_ERRORS) or (isinstance(error, kafka_errors.KafkaError) and error.retriable)


class Verdict(Enum):
    RETRY = "retry"  # try again later; the event stays where it is
    PARK = "park"    # store it as a dead letter and go on with the rest


def publish_verdict(error: BaseException, tries: int) -> Verdict:
    """What the outbox relay does with a row whose send failed for the `tries`-th time (1 = first)."""
    if isinstance(error, _PERMANENT_PUBLISH_ERRORS):
        return Verdict.PARK
    if is_outage(error):
        return Verdict.RETRY  # broker down, no leader, timeout: wait for the broker, lose nothing
    return Verdict.PARK if tries >= MAX_TRIES else Verdict.RETRY


def delivery_verdict(error: BaseException, failures: int) -> Verdict:
    """What a consumer does with a message whose handler failed for the `failures`-th time."""
    if is_outage(error):
        return Verdict.RETRY
    return Verdict.PARK if failures >= MAX_TRIES else Verdict.RETRY


def pause_s(failures: int, base_s: float = 1.0) -> float:
    """The pause before the next try: doubling, so a short outage does not use up the tries."""
    return min(base_s * 2 ** max(failures - 1, 0), MAX_PAUSE_S)
