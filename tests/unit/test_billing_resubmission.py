"""Billing rules for a job its vendor lost and Switchyard placed again: what each state change does,
which submission starts the next run, how minutes are numbered across runs and trued up per run."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from contracts.billing import UsageMinute
from contracts.status import JobStatus
from services.billing import metering, runs
from services.billing.runs import Step

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def step(*, state="running", waiting=False, run="v-a", vendor="modelarts", vendor_job_id="v-a",
         to=JobStatus.RUNNING) -> Step:
    return runs.step(state=state, waiting=waiting, run_vendor_job_id=run, vendor=vendor,
                     vendor_job_id=vendor_job_id, to_status=to)


# --- leaving the vendor ----------------------------------------------------------------------------

def test_leaving_the_vendor_is_a_change_to_queued_without_a_vendor():
    assert runs.leaves_vendor(None, JobStatus.QUEUED)
    assert not runs.leaves_vendor("modelarts", JobStatus.QUEUED)
    assert not runs.leaves_vendor(None, JobStatus.FAILED)


def test_a_running_job_leaving_its_vendor_is_trued_up():
    assert step(vendor=None, vendor_job_id=None, to=JobStatus.QUEUED) is Step.LEAVE


def test_a_job_lost_before_it_ran_leaves_too():
    assert step(state="submitted", vendor=None, vendor_job_id=None, to=JobStatus.QUEUED) is Step.LEAVE


def test_queue_news_while_waiting_for_the_next_run_changes_nothing():
    assert step(state="submitted", waiting=True, vendor=None, vendor_job_id=None, to=JobStatus.QUEUED) is Step.IGNORE


# --- the runs --------------------------------------------------------------------------------------

def test_running_of_the_current_run_starts_the_meter():
    assert step(state="submitted") is Step.START
    assert step(state="running") is Step.IGNORE  # already metering


def test_a_late_word_about_the_lost_run_is_ignored():
    # After the next run was submitted: another vendor job than the current run's.
    assert step(state="submitted", run="v-b", vendor_job_id="v-a") is Step.IGNORE
    assert step(state="running", run="v-b", vendor_job_id="v-a", to=JobStatus.FAILED) is Step.IGNORE
    # While waiting for it: the vendor of the lost run no longer speaks for the job.
    assert step(state="submitted", waiting=True, vendor_job_id="v-a") is Step.IGNORE
    assert step(state="submitted", waiting=True, vendor_job_id="v-a", to=JobStatus.FAILED) is Step.IGNORE


def test_terminal_statuses_finish_the_job_once():
    assert step(to=JobStatus.SUCCEEDED) is Step.FINISH
    assert step(state="submitted", to=JobStatus.FAILED) is Step.FINISH
    # The scheduler gives up on (or cancels) a job waiting in its queue.
    assert step(state="submitted", waiting=True, vendor=None, vendor_job_id=None, to=JobStatus.FAILED) is Step.FINISH
    assert step(state="finished", to=JobStatus.FAILED) is Step.IGNORE
    assert step(state="finished", vendor=None, vendor_job_id=None, to=JobStatus.QUEUED) is Step.IGNORE


def test_a_job_whose_vendor_job_is_unknown_is_followed_as_before():
    # Rows metered before runs were recorded have no vendor job id.
    assert step(state="submitted", run=None) is Step.START
    assert step(run=None, to=JobStatus.SUCCEEDED) is Step.FINISH


@pytest.mark.parametrize(("state", "sequence", "run_sequence", "next_run"), [
    ("submitted", 5, 2, True),   # waiting: the next placement re-freezes the price
    ("submitted", 2, 2, False),  # the same submission again
    ("submitted", 1, 2, False),  # an older one
    ("running", 5, 2, False),    # a run is going
    ("finished", 5, 2, False),
])
def test_which_submission_starts_the_next_run(state, sequence, run_sequence, next_run):
    assert runs.is_next_submission(state=state, sequence=sequence, run_sequence=run_sequence) is next_run


# --- minutes across runs ---------------------------------------------------------------------------

def test_the_next_run_starts_past_what_the_lost_run_owes_and_past_every_announced_minute():
    assert metering.next_run_base(0, 4, 4) == 4
    assert metering.next_run_base(0, 4, 6) == 6  # the meter had announced minutes 4 and 5 already
    assert metering.next_run_base(0, 5, 3) == 5  # the meter lagged: the true-up charged up to minute 4
    assert metering.next_run_base(6, 0, 6) == 6  # lost before it ran: nothing used


def test_true_up_of_a_later_run_touches_only_its_own_minutes():
    # Run 1 used minutes 0..5 (4 and 5 refunded); run 2 starts at minute 6, was metered to minute 7,
    # and ends after 121 s: minutes 6, 7, 8.
    charged, reversed_ = {0, 1, 2, 3, 4, 5, 6, 7}, {4, 5}
    assert metering.true_up(3, charged, reversed_, first=6) == metering.TrueUp(charge=[8], refund=[])
    # Ended after 30 s: minute 7 is refunded, the earlier run's minutes stay as they are.
    assert metering.true_up(1, charged, reversed_, first=6) == metering.TrueUp(charge=[], refund=[7])
    # Never ran: nothing of the earlier run is refunded.
    assert metering.true_up(0, {0, 1, 2, 3}, set(), first=4) == metering.TrueUp(charge=[], refund=[])


def test_a_lost_run_and_its_successor_add_up_to_every_started_minute_of_each():
    # Run 1 started at T0, was metered to minute 5, and its loss was seen at 3 min 30 s.
    lost = metering.billable_minutes(T0, at(210))
    assert lost == 4
    assert metering.true_up(lost, set(range(6)), set()) == metering.TrueUp(charge=[], refund=[4, 5])
    base = metering.next_run_base(0, lost, 6)
    assert base == 6
    # Run 2 started at T1 and the meter never got past its minute 0 before it ended 150 s later.
    t1 = at(600)
    finished = metering.billable_minutes(t1, t1 + timedelta(seconds=150))
    plan = metering.true_up(finished, set(range(6)) | {6}, {4, 5}, first=base)
    assert plan == metering.TrueUp(charge=[7, 8], refund=[])
    # 4 minutes at run 1's price, 3 at run 2's; no charge id is reused.
    job_id = uuid.UUID(int=1)
    assert len({metering.charge_id(job_id, m, metering.Kind.CHARGE) for m in [*range(6), 7, 8]}) == 8


# --- which usage minutes the rater books -----------------------------------------------------------

class _Run:
    def __init__(self, state: str, minute_base: int = 0):
        self.state, self.minute_base = state, minute_base


def _minute(job_id: uuid.UUID, minute: int) -> UsageMinute:
    return UsageMinute(job_id=job_id, tenant_id=uuid.uuid4(), minute=minute, minute_at=T0)


def test_the_rater_books_only_the_current_run_of_running_jobs():
    running, placed_again, ended, unknown = (uuid.uuid4() for _ in range(4))
    jobs = {running: _Run("running"), placed_again: _Run("running", minute_base=5), ended: _Run("finished")}
    minutes = [_minute(running, 0), _minute(placed_again, 4), _minute(placed_again, 5), _minute(ended, 1),
               _minute(unknown, 0)]
    assert runs.rateable(minutes, jobs) == [(running, 0), (placed_again, 5)]


def test_a_job_waiting_for_its_next_run_books_nothing():
    job_id = uuid.uuid4()
    assert runs.rateable([_minute(job_id, 3)], {job_id: _Run("submitted", minute_base=3)}) == []


def test_only_a_change_in_switchyards_own_queue_comes_before_the_first_placement():
    assert runs.before_first_placement(None)
    assert not runs.before_first_placement("modelarts")
