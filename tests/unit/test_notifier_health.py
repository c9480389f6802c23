"""The circuit breaker and failing-since rules, on a controllable clock."""

from datetime import UTC, datetime, timedelta

from services.notifier.health import HEALTHY, BreakerPolicy, after_failure, after_success, should_disable

T0 = datetime(2026, 11, 1, tzinfo=UTC)
POLICY = BreakerPolicy(failures=3, open_s=30, open_max_s=100)


def fail(times: int, state=HEALTHY, at=T0):
    for _ in range(times):
        state = after_failure(state, POLICY, at)
    return state


def test_closed_until_enough_consecutive_failures():
    state = fail(2)
    assert state.consecutive_failures == 2 and state.open_until is None and state.failing_since == T0
    opened = fail(1, state)
    assert opened.trips == 1 and opened.open_until == T0 + timedelta(seconds=30) and opened.is_open(T0)
    assert not opened.is_open(T0 + timedelta(seconds=30))


def test_failures_of_attempts_already_in_flight_do_not_extend_the_open_period():
    opened = fail(3)
    assert fail(5, opened, T0 + timedelta(seconds=10)).open_until == opened.open_until


def test_a_failed_probe_reopens_for_twice_as_long_up_to_the_cap():
    state, at = fail(3), T0
    periods = []
    for _ in range(4):
        at = state.open_until  # half-open: the probe goes out and fails
        state = after_failure(state, POLICY, at)
        periods.append((state.open_until - at).total_seconds())
    assert periods == [60, 100, 100, 100]
    assert state.failing_since == T0  # failing since the first failure, whatever the breaker did


def test_a_success_closes_and_forgets():
    assert after_success(fail(7)) == HEALTHY


def test_disabled_only_after_failing_without_a_success_for_the_whole_period():
    five_days = timedelta(days=5)
    state = fail(1, at=T0)
    assert not should_disable(state, five_days, T0 + five_days - timedelta(seconds=1))
    assert should_disable(fail(1, state, T0 + five_days), five_days, T0 + five_days)
    assert not should_disable(after_success(state), five_days, T0 + five_days)
    assert not should_disable(HEALTHY, five_days, T0 + five_days)
