"""A queued job's estimated start: from the jobs it waits behind, their bounds or their flavor's typical run
time, and the jobs ahead of it waiting for the same room."""

import uuid
from datetime import UTC, datetime, timedelta

from services.gateway.start_estimate import OnVendor, Queued, estimated_start, estimated_starts

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
A, B = uuid.UUID(int=1), uuid.UUID(int=2)


def queued(position=1, reason="no_capacity", tenant=A, accelerator="ascend-910b", max_runtime_s=None,
           vendors=None, exclude=()):
    return Queued(uuid.uuid4(), tenant, "training", accelerator, frozenset(vendors) if vendors else None,
                  frozenset(exclude), reason, position, max_runtime_s)


def running(minutes_ago=None, max_runtime_s=None, flavor="ma.1card", tenant=B, accelerator="ascend-910b",
            vendor="modelarts"):
    started = NOW - timedelta(minutes=minutes_ago) if minutes_ago is not None else None
    return OnVendor(tenant, "training", accelerator, vendor, flavor, started, max_runtime_s)


def minutes(n):
    return NOW + timedelta(minutes=n)


def test_a_job_waiting_for_capacity_starts_when_the_first_job_it_waits_behind_ends():
    job = queued()
    holders = [running(minutes_ago=10, max_runtime_s=3600), running(minutes_ago=50, max_runtime_s=3600)]
    assert estimated_start(NOW, job, holders, [], {}) == minutes(10)


def test_without_a_bound_the_flavors_typical_run_time_is_used():
    job = queued()
    holders = [running(minutes_ago=5, flavor="ma.1card")]
    assert estimated_start(NOW, job, holders, [], {"ma.1card": timedelta(minutes=20)}) == minutes(15)


def test_there_is_no_estimate_without_a_basis():
    job = queued()
    assert estimated_start(NOW, job, [], [], {}) is None
    assert estimated_start(NOW, job, [running(minutes_ago=5)], [], {}) is None  # no bound, no history


def test_jobs_of_another_accelerator_or_an_excluded_vendor_are_not_waited_behind():
    job = queued(exclude=["caip"])
    others = [running(minutes_ago=59, max_runtime_s=3600, accelerator="nvidia-v100"),
              running(minutes_ago=59, max_runtime_s=3600, vendor="caip"),
              running(minutes_ago=0, max_runtime_s=3600)]
    assert estimated_start(NOW, job, others, [], {}) == minutes(60)
    only_caip = queued(vendors=["caip"])
    assert estimated_start(NOW, only_caip, others, [], {}) == minutes(1)


def test_the_jobs_ahead_take_the_rooms_first():
    job = queued(position=3)
    holders = [running(minutes_ago=50, max_runtime_s=3600), running(minutes_ago=30, max_runtime_s=3600)]
    ahead = [queued(position=1, max_runtime_s=1200), queued(position=2, max_runtime_s=600)]
    # Rooms free at +10 and +30; the first ahead takes +10 for 20 min (free at +30), the second +30 for 10 min.
    assert estimated_start(NOW, job, holders, ahead + [job], {}) == minutes(30)


def test_an_ahead_job_without_a_bound_runs_its_rooms_typical_time():
    job = queued(position=2)
    holders = [running(minutes_ago=50, max_runtime_s=3600, flavor="ma.1card")]
    ahead = [queued(position=1)]
    assert estimated_start(NOW, job, holders, ahead, {"ma.1card": timedelta(minutes=25)}) == minutes(35)
    assert estimated_start(NOW, job, holders, ahead, {}) is None  # the only room's next end is unknown


def test_jobs_behind_or_waiting_for_something_else_do_not_count():
    job = queued(position=2)
    holders = [running(minutes_ago=50, max_runtime_s=3600)]
    others = [queued(position=3, max_runtime_s=600), queued(position=1, accelerator="mlu370", max_runtime_s=600),
              queued(position=1, reason="funds", max_runtime_s=600)]
    assert estimated_start(NOW, job, holders, others, {}) == minutes(10)


def test_a_job_over_its_tenants_limits_waits_behind_its_tenants_own_jobs():
    job = queued(reason="quota", tenant=A)
    others = [running(minutes_ago=55, max_runtime_s=3600, tenant=B),
              running(minutes_ago=40, max_runtime_s=3600, tenant=A, accelerator="mlu370")]
    assert estimated_start(NOW, job, others, [], {}) == minutes(20)


def test_a_job_waiting_for_funds_has_no_estimate():
    job = queued(reason="funds")
    assert estimated_start(NOW, job, [running(minutes_ago=55, max_runtime_s=3600)], [], {}) is None


def test_an_overrunning_or_not_yet_running_job_is_counted_from_now():
    job = queued()
    assert estimated_start(NOW, job, [running(minutes_ago=90, max_runtime_s=3600)], [], {}) == NOW
    assert estimated_start(NOW, job, [running(minutes_ago=None, max_runtime_s=600)], [], {}) == minutes(10)


def test_a_page_estimated_at_once_gets_what_each_job_alone_gets():
    page = [queued(position=1, max_runtime_s=600), queued(position=2, vendors=["caip"]),
            queued(position=3, max_runtime_s=300, exclude=["caip"]), queued(position=4),
            queued(position=5, reason="quota", tenant=B), queued(position=6, reason="funds"),
            queued(position=7, accelerator="mlu370", max_runtime_s=60)]
    holders = [running(minutes_ago=50, max_runtime_s=3600), running(minutes_ago=10, vendor="caip", max_runtime_s=1800),
               running(minutes_ago=5, flavor="ma.8card"), running(minutes_ago=1, accelerator="mlu370", max_runtime_s=600)]
    typical = {"ma.8card": timedelta(minutes=30)}
    together = estimated_starts(NOW, page, holders, page, typical)
    assert together == {job.job_id: estimated_start(NOW, job, holders, page, typical) for job in page}
    assert together[page[0].job_id] == minutes(10) and together[page[5].job_id] is None
