"""The queue order between tenants: priority first, then tenants in turn, then age; a batch's share per tenant."""

import uuid
from datetime import UTC, datetime, timedelta

from services.scheduler.fair_share import Queued, fair_order, take_batch, turns

T0 = datetime(2026, 12, 1, tzinfo=UTC)
A, B, C = (uuid.UUID(int=n) for n in (1, 2, 3))


def job(tenant, minute, priority=1):
    return Queued(uuid.uuid4(), tenant, priority, T0 + timedelta(minutes=minute))


def names(order, jobs):
    label = {j.job_id: name for name, j in jobs.items()}
    return [label[j.job_id] for j in order]


def test_a_newcomers_first_job_goes_after_one_job_of_a_long_backlog():
    backlog = {f"a{n}": job(A, n) for n in range(1, 1701)}
    jobs = backlog | {"b1": job(B, 2000)}
    assert names(fair_order(list(jobs.values())), jobs)[:3] == ["a1", "b1", "a2"]


def test_tenants_take_turns_and_each_turn_goes_oldest_first():
    jobs = {"a1": job(A, 0), "a2": job(A, 1), "a3": job(A, 2), "c1": job(C, 3), "b1": job(B, 4), "b2": job(B, 5)}
    assert names(fair_order(list(jobs.values())), jobs) == ["a1", "c1", "b1", "a2", "b2", "a3"]


def test_priority_comes_before_turns():
    jobs = {"a1": job(A, 0), "b1": job(B, 1), "a2_high": job(A, 2, priority=2), "b2_low": job(B, 3, priority=0)}
    assert names(fair_order(list(jobs.values())), jobs) == ["a2_high", "a1", "b1", "b2_low"]


def test_turns_are_counted_per_priority():
    # A's high job does not use up A's first normal turn.
    jobs = {"a_high": job(A, 0, priority=2), "a1": job(A, 1), "b1": job(B, 2), "a2": job(A, 3)}
    order = turns(jobs.values())
    assert order[jobs["a1"].job_id].turn == 1 and order[jobs["a2"].job_id].turn == 2
    assert names(fair_order(list(jobs.values())), jobs) == ["a_high", "a1", "b1", "a2"]


def test_with_one_tenant_the_order_is_first_come_first_served():
    jobs = {f"a{n}": job(A, n) for n in range(5)}
    shuffled = [jobs[k] for k in ("a3", "a0", "a4", "a1", "a2")]
    assert names(fair_order(shuffled), jobs) == ["a0", "a1", "a2", "a3", "a4"]


def test_fair_order_keeps_whatever_it_orders():
    jobs = [job(A, 1), job(B, 0)]
    rows = [{"q": j, "extra": n} for n, j in enumerate(jobs)]
    assert [r["extra"] for r in fair_order(rows, lambda r: r["q"])] == [1, 0]


def test_a_batch_holds_at_most_its_share_of_one_tenants_backlog():
    jobs = [job(A, n) for n in range(100)] + [job(B, 200 + n) for n in range(3)]
    batch = take_batch(jobs, limit=512, per_tenant=16)
    assert sum(j.tenant_id == A for j in batch) == 16 and sum(j.tenant_id == B for j in batch) == 3
    assert [j.tenant_id for j in batch[:6]] == [A, B, A, B, A, B]


def test_a_batch_takes_the_first_jobs_in_queue_order_up_to_its_limit():
    jobs = [job(A, n) for n in range(10)] + [job(B, 20 + n) for n in range(10)]
    batch = take_batch(jobs, limit=5, per_tenant=16)
    assert batch == fair_order(jobs)[:5]


def test_a_retried_job_goes_behind_the_jobs_of_its_tenant_due_before_it():
    # a0..a2 were tried and wait out their retry delay; a3 was never tried: the backlog keeps turning.
    jobs = {f"a{n}": job(A, n) for n in range(4)}
    retried = {name: Queued(j.job_id, A, 1, j.requested_at, next_try_at=T0 + timedelta(minutes=10 + n))
               for n, (name, j) in enumerate(list(jobs.items())[:3])}
    jobs |= retried
    assert names(fair_order(list(jobs.values())), jobs) == ["a3", "a0", "a1", "a2"]


def test_a_backlog_larger_than_a_batch_is_tried_all_the_way_through():
    backlog = [job(A, n) for n in range(100)]
    tried: set[uuid.UUID] = set()
    now = T0 + timedelta(days=1)  # after every request
    for round_ in range(10):
        batch = take_batch(backlog, limit=512, per_tenant=16)
        tried |= {j.job_id for j in batch}
        # each job tried waits out its retry delay, due again after every job due before it
        again = {j.job_id: Queued(j.job_id, j.tenant_id, j.priority, j.requested_at, now + timedelta(seconds=round_))
                 for j in batch}
        backlog = [again.get(j.job_id, j) for j in backlog]
    assert len(tried) == 100
