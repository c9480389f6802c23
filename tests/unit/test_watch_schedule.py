import random
from datetime import UTC, datetime, timedelta

from contracts.status import JobStatus
from services.watcher.schedule import ErrorBudget, next_poll_delay, per_job_batch, tick_pause, until_expected_end


def test_starting_jobs_are_looked_at_more_often_than_running_ones_with_jitter():
    rng = random.Random(7)
    starting = [next_poll_delay(JobStatus.QUEUED, starting_s=5, running_s=20, rng=rng) for _ in range(200)]
    running = [next_poll_delay(JobStatus.RUNNING, starting_s=5, running_s=20, rng=rng) for _ in range(200)]
    assert all(4 <= d <= 6 for d in starting) and all(16 <= d <= 24 for d in running)
    assert len({round(d, 3) for d in starting}) > 100  # spread out, not all due together


def test_an_outage_is_announced_once_and_so_is_the_recovery():
    budget = ErrorBudget(3)
    assert [budget.failure() for _ in range(5)] == [False, False, True, False, False]
    assert budget.exhausted
    assert budget.success() is True
    assert budget.success() is False


def test_failures_below_the_budget_are_forgotten_after_a_success():
    budget = ErrorBudget(3)
    budget.failure(), budget.failure()
    assert budget.success() is False
    assert [budget.failure() for _ in range(3)] == [False, False, True]


def test_ticks_start_every_interval_however_long_a_tick_took():
    assert tick_pause(0.5, 2.0) == 1.5
    assert tick_pause(2.0, 2.0) == 0.0
    assert tick_pause(3.4, 2.0) == 0.0  # a tick longer than the interval: the next starts at once


def test_a_rate_limited_vendor_looks_at_no_more_jobs_per_tick_than_its_rate_allows():
    assert per_job_batch(500, None, 2.0) == 500
    assert per_job_batch(500, 5.0, 2.0) == 10
    assert per_job_batch(4, 5.0, 2.0) == 4
    assert per_job_batch(500, 0.1, 2.0) == 1


def test_a_running_job_near_its_expected_end_is_looked_at_as_often_as_a_starting_one():
    rng = random.Random(3)

    def delay(until):
        return next_poll_delay(JobStatus.RUNNING, starting_s=5, running_s=20, rng=rng, until_expected_end_s=until)
    assert 16 <= delay(None) <= 24 and 16 <= delay(300) <= 24  # no bound, or far from it
    assert 4 <= delay(15) <= 6 and 4 <= delay(-40) <= 6  # due within its next look, or overrunning
    starting = next_poll_delay(JobStatus.QUEUED, starting_s=5, running_s=20, rng=rng, until_expected_end_s=None)
    assert 4 <= starting <= 6


def test_the_expected_end_is_the_start_plus_the_bound():
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    assert until_expected_end(now - timedelta(seconds=50), 60, now) == 10
    assert until_expected_end(now - timedelta(seconds=90), 60, now) == -30
    assert until_expected_end(None, 60, now) is None and until_expected_end(now, None, now) is None
