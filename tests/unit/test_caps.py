"""Caps per tenant: the limit in force, when one more is allowed, the problem past a cap, and the wait of a cap over
a window."""

from datetime import UTC, datetime, timedelta

from services.common.caps import Cap, cap_reached, limit_in_force, window_retry_after


def test_the_limit_in_force_is_the_tenants_override_if_it_has_one_else_the_default():
    assert limit_in_force(None, 20) == 20
    assert limit_in_force(1, 20) == 1
    assert limit_in_force(500, 20) == 500  # an override may raise a cap as well as lower it


def test_a_cap_allows_up_to_its_limit_and_no_more():
    cap = Cap("max_webhooks_per_tenant", 3, "webhooks")
    assert [cap.allows(n) for n in range(5)] == [True, True, True, False, False]


def test_a_cap_on_what_is_held_is_a_409_naming_the_cap_and_its_value():
    problem = cap_reached(Cap("max_topics_per_tenant", 100, "topics"))
    assert (problem.status, problem.type, problem.headers) == (409, "cap-reached", None)
    assert problem.extra == {"cap": "max_topics_per_tenant", "limit": 100}
    assert "at most 100 topics" in problem.detail


def test_a_cap_over_a_window_is_a_429_with_retry_after():
    problem = cap_reached(Cap("max_confirmation_emails_per_hour", 20, "e-mails per hour"), retry_after_s=61)
    assert (problem.status, problem.type, problem.headers) == (429, "cap-reached", {"Retry-After": "61"})
    assert problem.extra == {"cap": "max_confirmation_emails_per_hour", "limit": 20, "retry_after_s": 61}


def test_the_wait_is_until_the_oldest_leaves_the_window_in_whole_seconds():
    now = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    hour = timedelta(hours=1)
    assert window_retry_after(now - timedelta(minutes=59, seconds=30), hour, now) == 30
    assert window_retry_after(now - timedelta(minutes=59, seconds=59, milliseconds=500), hour, now) == 1
    assert window_retry_after(now - hour - timedelta(seconds=5), hour, now) == 1  # never 0: at least a second
    assert window_retry_after(now - timedelta(minutes=10), hour, now) == 3000
