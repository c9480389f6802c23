"""A repeated Idempotency-Key: the first reply again for the same request, a conflict for another."""

import pytest

from services.billing.commands import replay
from services.billing.errors import Conflict
from services.common.idempotency import fingerprint


def test_the_same_request_gets_the_first_reply_marked_as_replayed():
    first = fingerprint({"amount": 5_000_000})
    reply = replay(first, fingerprint({"amount": 5_000_000}), 200, {"balance": "5.00", "currency": "CNY"})
    assert (reply.status, reply.body, reply.replayed) == (200, {"balance": "5.00", "currency": "CNY"}, True)


def test_another_request_under_the_same_key_is_a_conflict():
    with pytest.raises(Conflict, match="different request"):
        replay(fingerprint({"amount": 5_000_000}), fingerprint({"amount": 6_000_000}), 200, {})
