"""Billing a job its vendor lost and Switchyard placed again (resubmission), against the real
PostgreSQL: each run's started minutes at that run's price, minute numbers going on across runs,
late usage minutes of an ended run never charged, only the last run trued up at the end."""

import uuid
from datetime import UTC, datetime, timedelta

from contracts.events import Envelope, JobStateChanged, JobSubmitted
from contracts.status import JobStatus
from services.billing import commands, handlers, store, workers
from tests.integration.billing_helpers import (
    PER_MINUTE, POLICY, VENDOR_PER_HOUR, assert_invariants, booked, deliver, tenant_balance, usage_minutes,
)

FUNDS = 100_000_000
B_VENDOR_PER_HOUR = 60_000_000  # run B sells at 72 CNY/h = 1.20 CNY a minute
B_PER_MINUTE = 1_200_000


class Job:
    """One job's events as the scheduler and the watcher would publish them, with its sequence."""

    def __init__(self, tenant_id: uuid.UUID):
        self.tenant_id, self.job_id, self.sequence = tenant_id, uuid.uuid4(), 0
        self.vendor: str | None = None
        self.vendor_job_id: str | None = None

    def _next(self) -> int:
        self.sequence += 1
        return self.sequence

    def submitted(self, vendor: str, vendor_job_id: str, flavor: str, vendor_price: int, *,
                  sequence: int | None = None) -> Envelope:
        self.vendor, self.vendor_job_id = vendor, vendor_job_id
        return Envelope(source="scheduler", data=JobSubmitted(
            job_id=self.job_id, tenant_id=self.tenant_id, sequence=self.sequence if sequence is None else sequence,
            vendor=vendor, vendor_job_id=vendor_job_id, flavor=flavor, accelerator="nvidia-a100", count=1,
            vendor_price_per_hour=vendor_price, raw_status="Pending", submitted_at=datetime.now(UTC)))

    def changed(self, from_: JobStatus, to: JobStatus, *, started_at: datetime | None = None,
                finished_at: datetime | None = None, at: datetime | None = None,
                on: tuple[str, str] | None = None) -> Envelope:
        """A state change the watcher saw on the job's current vendor job (or on `on`, an earlier one)."""
        at = at or datetime.now(UTC)
        vendor, vendor_job_id = on or (self.vendor, self.vendor_job_id)
        return Envelope(source="watcher", data=JobStateChanged(
            job_id=self.job_id, tenant_id=self.tenant_id, vendor=vendor, vendor_job_id=vendor_job_id,
            from_status=from_, to_status=to, raw_status=str(to), vendor_time=at, observed_at=at,
            sequence=self._next(), started_at=started_at, finished_at=finished_at))

    def lost(self, from_: JobStatus, at: datetime) -> Envelope:
        """The scheduler put the job back into its own queue: its vendor lost it."""
        lost_on = self.vendor
        self.vendor = self.vendor_job_id = None
        return Envelope(source="scheduler", data=JobStateChanged(
            job_id=self.job_id, tenant_id=self.tenant_id, vendor=None, vendor_job_id=None, from_status=from_,
            to_status=JobStatus.QUEUED, raw_status="switchyard:queued",
            reason=f"resubmitting: lost on {lost_on}", vendor_time=at, observed_at=at, sequence=self._next()))

    def queued_again(self, to: JobStatus = JobStatus.QUEUED, reason: str = "no_capacity") -> Envelope:
        """News from Switchyard's own queue while the job waits there (or the scheduler ending it)."""
        now = datetime.now(UTC)
        return Envelope(source="scheduler", data=JobStateChanged(
            job_id=self.job_id, tenant_id=self.tenant_id, vendor=None, vendor_job_id=None,
            from_status=JobStatus.QUEUED, to_status=to, raw_status="switchyard:queued", reason=reason,
            vendor_time=None, observed_at=now, sequence=self._next(), finished_at=now if to.is_terminal else None))


async def metered(pool, job_id: uuid.UUID) -> dict:
    return dict(await pool.fetchrow("SELECT * FROM billing.metered_jobs WHERE job_id = $1", job_id))


async def charges(pool, job_id: uuid.UUID) -> list[tuple]:
    rows = await pool.fetch("SELECT minute, kind, amount, list_amount, vendor_cost, vendor, flavor FROM billing.charges "
                            "WHERE job_id = $1 ORDER BY minute, kind", job_id)
    return [tuple(row) for row in rows]


async def rate(pool, job_id: uuid.UUID, minutes: set[int] | None = None) -> int:
    """Rate the job's announced usage minutes (only `minutes` of them, when given): a lagging rater."""
    announced = await usage_minutes(pool, job_id)
    return await handlers.rate_usage(pool, [m for m in announced if minutes is None or m.minute in minutes], POLICY)


async def test_a_lost_job_placed_elsewhere_pays_each_run_at_its_own_price(pool):
    tenant_id = uuid.uuid4()
    await commands.credit(pool, tenant_id, FUNDS, POLICY)
    job = Job(tenant_id)

    # Run A on modelarts at 0.60 a minute, running for 270 s: the meter announces minutes 0..4,
    # the rater has booked 0..3 when the loss (seen 200 s after the start) comes in.
    await deliver(pool, job.submitted("modelarts", "a-1", "f-a", VENDOR_PER_HOUR))
    a_started = datetime.now(UTC) - timedelta(seconds=270)
    await deliver(pool, job.changed(JobStatus.QUEUED, JobStatus.RUNNING, started_at=a_started))
    await workers.meter(pool)
    assert [m.minute for m in await usage_minutes(pool, job.job_id)] == [0, 1, 2, 3, 4]
    assert await rate(pool, job.job_id, {0, 1, 2, 3}) == 4
    lost_at = a_started + timedelta(seconds=200)
    await deliver(pool, job.lost(JobStatus.RUNNING, lost_at))

    # Started minutes up to the loss: 0..3 (200 s); nothing to refund, and the job waits unmetered.
    row = await metered(pool, job.job_id)
    assert (row["state"], row["started_at"], row["left_vendor_at"], row["minute_base"]) == \
        ("submitted", None, lost_at, 5)  # past minute 4, which the meter had announced
    assert await rate(pool, job.job_id) == 0  # run A's late minute 4, while waiting
    await workers.meter(pool)
    assert len(await usage_minutes(pool, job.job_id)) == 5
    # Queue news and the lost run's late word change nothing.
    await deliver(pool, job.queued_again())
    await deliver(pool, job.changed(JobStatus.RUNNING, JobStatus.FAILED, finished_at=lost_at, on=("modelarts", "a-1")))
    assert (await metered(pool, job.job_id))["state"] == "submitted"

    # Run B on qizhi at 1.20 a minute. A repeated or older submission changes nothing.
    await deliver(pool, job.submitted("qizhi", "b-1", "f-b", B_VENDOR_PER_HOUR))
    await deliver(pool, job.submitted("qizhi", "b-1", "f-b", B_VENDOR_PER_HOUR))
    await deliver(pool, job.submitted("modelarts", "a-1", "f-a", VENDOR_PER_HOUR, sequence=0))
    job.vendor, job.vendor_job_id = "qizhi", "b-1"
    row = await metered(pool, job.job_id)
    assert (row["vendor"], row["vendor_job_id"], row["flavor"], row["price_per_minute"], row["vendor_cost_per_minute"],
            row["left_vendor_at"], row["submission_sequence"]) == \
        ("qizhi", "b-1", "f-b", B_PER_MINUTE, 1_000_000, None, job.sequence)

    b_started = datetime.now(UTC) - timedelta(seconds=90)
    await deliver(pool, job.changed(JobStatus.QUEUED, JobStatus.RUNNING, started_at=b_started))
    await workers.meter(pool)
    announced = await usage_minutes(pool, job.job_id)
    assert [(m.minute, m.minute_at) for m in announced[5:]] == [(5, b_started), (6, b_started + timedelta(minutes=1))]
    # Every announced minute delivered again, run A's late minute 4 included: only run B's are booked.
    assert await rate(pool, job.job_id) == 2

    # B ends 150 s after its start: the true-up adds its minute 7 and leaves run A alone.
    await deliver(pool, job.changed(JobStatus.RUNNING, JobStatus.SUCCEEDED, started_at=b_started,
                                    finished_at=b_started + timedelta(seconds=150)))
    a = (PER_MINUTE, PER_MINUTE, 500_000, "modelarts", "f-a")
    b = (B_PER_MINUTE, B_PER_MINUTE, 1_000_000, "qizhi", "f-b")
    assert await charges(pool, job.job_id) == [
        (0, "charge", *a), (1, "charge", *a), (2, "charge", *a), (3, "charge", *a),
        (5, "charge", *b), (6, "charge", *b), (7, "charge", *b),
    ]
    assert await tenant_balance(pool, tenant_id) == FUNDS - 4 * PER_MINUTE - 3 * B_PER_MINUTE
    row = await metered(pool, job.job_id)
    assert (row["state"], row["final_status"], row["started_at"]) == ("finished", "SUCCEEDED", b_started)

    # Afterwards: nothing more is metered, late minutes and redeliveries book nothing.
    await workers.meter(pool)
    assert await rate(pool, job.job_id) == 0
    assert len(await booked(pool, job.job_id)) == 7

    # Usage and margins follow each run's vendor.
    async with pool.acquire() as conn:
        lines = await store.reports.job_usage(conn, tenant_id, datetime.now(UTC) - timedelta(hours=1),
                                      datetime.now(UTC) + timedelta(hours=1))
        by_vendor = await store.reports.grouped_usage(conn, tenant_id, "vendor", start=None, end=None)
    assert sorted((r["vendor"], r["flavor"], r["minutes"], r["amount"]) for r in lines) == [
        ("modelarts", "f-a", 4, 4 * PER_MINUTE), ("qizhi", "f-b", 3, 3 * B_PER_MINUTE)]
    assert [(r["key"], r["minutes"]) for r in by_vendor] == [("modelarts", 4), ("qizhi", 3)]
    await assert_invariants(pool)


async def test_a_lost_run_is_refunded_past_the_loss_and_charged_up_to_it(pool):
    tenant_id = uuid.uuid4()
    await commands.credit(pool, tenant_id, FUNDS, POLICY)
    job = Job(tenant_id)
    await deliver(pool, job.submitted("modelarts", "a-1", "f-a", VENDOR_PER_HOUR))
    started = datetime.now(UTC) - timedelta(seconds=150)
    await deliver(pool, job.changed(JobStatus.QUEUED, JobStatus.RUNNING, started_at=started))
    await workers.meter(pool)
    assert await rate(pool, job.job_id, {0}) == 1  # minutes 1 and 2 announced, not booked yet
    # The loss was seen 61 s after the start: minutes 0 and 1 are owed, minute 2 was never used.
    await deliver(pool, job.lost(JobStatus.RUNNING, started + timedelta(seconds=61)))
    assert await booked(pool, job.job_id) == [(0, "charge", PER_MINUTE), (1, "charge", PER_MINUTE)]
    assert (await metered(pool, job.job_id))["minute_base"] == 3
    # Now a run that was metered past the loss: the extra minutes are refunded by new rows.
    await deliver(pool, job.submitted("qizhi", "b-1", "f-b", B_VENDOR_PER_HOUR))
    b_started = datetime.now(UTC) - timedelta(seconds=150)
    await deliver(pool, job.changed(JobStatus.QUEUED, JobStatus.RUNNING, started_at=b_started))
    await workers.meter(pool)
    assert await rate(pool, job.job_id) == 3  # minutes 3, 4, 5; run A's minute 2 stays unbooked
    await deliver(pool, job.lost(JobStatus.RUNNING, b_started + timedelta(seconds=30)))
    assert await booked(pool, job.job_id) == [
        (0, "charge", PER_MINUTE), (1, "charge", PER_MINUTE), (3, "charge", B_PER_MINUTE),
        (4, "charge", B_PER_MINUTE), (4, "refund", -B_PER_MINUTE), (5, "charge", B_PER_MINUTE),
        (5, "refund", -B_PER_MINUTE),
    ]
    assert (await metered(pool, job.job_id))["minute_base"] == 6
    # The scheduler gives up on it while it waits: nothing more is owed.
    await deliver(pool, job.queued_again(JobStatus.FAILED, reason="lost"))
    row = await metered(pool, job.job_id)
    assert (row["state"], row["final_status"], row["started_at"]) == ("finished", "FAILED", None)
    assert len(await booked(pool, job.job_id)) == 7
    assert await tenant_balance(pool, tenant_id) == FUNDS - 2 * PER_MINUTE - B_PER_MINUTE
    await assert_invariants(pool)


async def test_a_job_lost_before_it_ran_and_twice_more_pays_only_the_runs_that_ran(pool):
    tenant_id = uuid.uuid4()
    await commands.credit(pool, tenant_id, FUNDS, POLICY)
    job = Job(tenant_id)
    # Run A is lost while still queued on its vendor: nothing was metered, nothing is owed.
    await deliver(pool, job.submitted("modelarts", "a-1", "f-a", VENDOR_PER_HOUR))
    await deliver(pool, job.lost(JobStatus.QUEUED, datetime.now(UTC)))
    row = await metered(pool, job.job_id)
    assert (row["state"], row["minute_base"], row["left_vendor_at"] is not None) == ("submitted", 0, True)

    # Run B runs 61 s (minutes 0, 1) and is lost.
    await deliver(pool, job.submitted("qizhi", "b-1", "f-b", B_VENDOR_PER_HOUR))
    b_started = datetime.now(UTC) - timedelta(seconds=61)
    await deliver(pool, job.changed(JobStatus.QUEUED, JobStatus.RUNNING, started_at=b_started))
    await workers.meter(pool)
    assert await rate(pool, job.job_id) == 2
    await deliver(pool, job.lost(JobStatus.RUNNING, b_started + timedelta(seconds=61)))

    # Run C back on modelarts; RUNNING never reached us, the terminal status carries its start.
    await deliver(pool, job.submitted("modelarts", "c-1", "f-a", VENDOR_PER_HOUR))
    c_started = datetime.now(UTC) - timedelta(seconds=100)
    await deliver(pool, job.changed(JobStatus.QUEUED, JobStatus.FAILED, started_at=c_started,
                                    finished_at=c_started + timedelta(seconds=100)))
    assert await booked(pool, job.job_id) == [
        (0, "charge", B_PER_MINUTE), (1, "charge", B_PER_MINUTE), (2, "charge", PER_MINUTE), (3, "charge", PER_MINUTE),
    ]
    assert await tenant_balance(pool, tenant_id) == FUNDS - 2 * B_PER_MINUTE - 2 * PER_MINUTE
    await assert_invariants(pool)


async def test_a_job_queued_before_its_first_placement_is_no_error_and_costs_nothing(pool):
    from structlog.testing import capture_logs

    job = Job(uuid.uuid4())
    with capture_logs() as logs:
        await deliver(pool, job.queued_again(reason="no_capacity"))  # waits in Switchyard's queue first
        await deliver(pool, job.submitted("modelarts", "ma-first", "ma.1card", VENDOR_PER_HOUR))
        await deliver(pool, job.changed(JobStatus.QUEUED, JobStatus.RUNNING, started_at=datetime.now(UTC)))
        unplaced = Job(job.tenant_id)
        await deliver(pool, unplaced.queued_again(to=JobStatus.STOPPED, reason="cancelled"))
    assert not [entry for entry in logs if entry["log_level"] == "error"], logs
    assert (await metered(pool, job.job_id))["state"] == "running"
    assert await pool.fetchval("SELECT count(*) FROM billing.metered_jobs WHERE job_id = $1", unplaced.job_id) == 0

    orphan = Job(job.tenant_id)
    orphan.vendor, orphan.vendor_job_id = "modelarts", "ma-never-submitted"
    with capture_logs() as logs:
        await deliver(pool, orphan.changed(JobStatus.QUEUED, JobStatus.RUNNING))  # its submission never came
    assert [entry["event"] for entry in logs if entry["log_level"] == "error"] == [
        "billing.state_change_for_unknown_job"]
