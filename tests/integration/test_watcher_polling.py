"""The watcher's poller on the real PostgreSQL, against a scripted vendor (an in-memory adapter that
answers what each test tells it), so lost jobs, outages and per-job schedules can be provoked exactly."""

import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from contracts.events import Envelope, JobSubmitted
from contracts.status import JobStatus
from services.common.unit_of_work import unit_of_work
from services.vendors import errors
from services.vendors.base import Endpoint, VendorAdapter, VendorJob
from services.watcher import handlers, store
from services.watcher.changes import first_state
from services.watcher.config import WatcherSettings
from services.watcher.watching import Poller


@dataclass
class ScriptedVendor(VendorAdapter):
    vendor = "scripted"
    can_list: bool = False
    jobs: dict[str, tuple[str, JobStatus | None]] = field(default_factory=dict)
    down: bool = False
    gets: list[str] = field(default_factory=list)
    endpoints: dict[str, tuple[Endpoint, ...]] = field(default_factory=dict)

    async def list_flavors(self, kind="training"):
        return []

    async def submit(self, req):
        raise NotImplementedError

    async def find_by_name(self, name, kind="training"):
        return None

    def _job(self, vendor_job_id):
        raw, status = self.jobs[vendor_job_id]
        return VendorJob(vendor_job_id=vendor_job_id, name="", raw_status=raw, status=status, reason=None,
                         created_at=None, started_at=None, finished_at=None,
                         endpoints=self.endpoints.get(vendor_job_id, ()))

    async def get(self, vendor_job_id, kind="training"):
        self.gets.append(vendor_job_id)
        if self.down:
            raise errors.VendorUnavailable(self.vendor, "503")
        if vendor_job_id not in self.jobs:
            raise errors.NotFound(self.vendor, "no such job")
        return self._job(vendor_job_id)

    async def list_active(self):
        if self.down:
            raise errors.VendorUnavailable(self.vendor, "503")
        return [self._job(j) for j, (_, s) in self.jobs.items() if s is None or not s.is_terminal]

    async def stop(self, vendor_job_id, kind="training"):
        pass

    async def aclose(self):
        pass


class Runtime:
    def __init__(self, pool):
        self.pool = pool


SETTINGS = WatcherSettings(watch_starting_s=5, watch_running_s=20, watch_error_budget=2, watch_batch=100)


async def track(pool, vendor_job_id: str, vendor: str = "scripted", max_runtime_s: int | None = None) -> uuid.UUID:
    submitted = JobSubmitted(job_id=uuid.uuid4(), tenant_id=uuid.uuid4(), vendor=vendor,
                             vendor_job_id=vendor_job_id, flavor="f", accelerator="cpu", count=0,
                             vendor_price_per_hour=0, raw_status="Creating", submitted_at=datetime.now(UTC),
                             max_runtime_s=max_runtime_s)
    async with unit_of_work(pool) as conn:
        await store.start_tracking(conn, submitted, first_state(submitted))
    return submitted.job_id


async def tracked_row(pool, job_id):
    return await pool.fetchrow("SELECT * FROM watcher.tracked_jobs WHERE job_id = $1", job_id)


@pytest.fixture
async def clean(pool):
    await pool.execute("DELETE FROM watcher.tracked_jobs")
    await pool.execute("DELETE FROM watcher.outbox")
    yield


async def health_events(pool) -> list[str]:
    rows = await pool.fetch("SELECT payload FROM watcher.outbox WHERE topic LIKE '%vendors.events' ORDER BY id")
    return [json.loads(r["payload"])["health"] for r in rows]


async def test_a_missing_job_is_lost_only_after_a_second_look(pool, clean):
    vendor = ScriptedVendor()
    job_id = await track(pool, "gone")
    poller = Poller(vendor, SETTINGS, random.Random(1))
    assert await poller.poll_once(Runtime(pool)) == 0
    row = await tracked_row(pool, job_id)
    assert row["status"] == "QUEUED" and row["missing_since"] is not None
    await pool.execute("UPDATE watcher.tracked_jobs SET next_poll_at = now() WHERE job_id = $1", job_id)
    assert await poller.poll_once(Runtime(pool)) == 1
    row = await tracked_row(pool, job_id)
    # Handed to the scheduler (which may place it again), not announced as FAILED by the watcher.
    assert row["status"] == "QUEUED" and row["reason"].startswith("lost") and not row["active"]
    lost = await job_events(pool, job_id)
    assert [(e["ce_type"], e["payload"]["cause"], e["payload"]["sequence"]) for e in lost[1:]] == [
        ("switchyard.job.lost_on_vendor.v1", "lost", 1)]


async def test_a_job_placed_again_is_followed_on_its_new_vendor(pool, clean):
    vendor = ScriptedVendor()
    job_id = await track(pool, "gone")
    await pool.execute("UPDATE watcher.tracked_jobs SET active = false WHERE job_id = $1", job_id)  # lost
    again = JobSubmitted(job_id=job_id, tenant_id=uuid.uuid4(), kind="training", sequence=3, vendor="other",
                         vendor_job_id="again", flavor="f", accelerator="cpu", count=0, vendor_price_per_hour=0,
                         raw_status="Creating", submitted_at=datetime.now(UTC))
    async with unit_of_work(pool) as conn:
        await store.start_tracking(conn, again, first_state(again))
        await store.start_tracking(conn, again, first_state(again))  # a repeat changes nothing
    row = await tracked_row(pool, job_id)
    assert (row["vendor"], row["vendor_job_id"], row["active"], row["sequence"]) == ("other", "again", True, 4)
    assert [e["payload"]["sequence"] for e in await job_events(pool, job_id)] == [1, 4]
    assert vendor.gets == []


async def test_a_submitted_job_is_followed_once_however_often_its_event_comes(pool, clean):
    submitted = JobSubmitted(job_id=uuid.uuid4(), tenant_id=uuid.uuid4(), vendor="scripted", vendor_job_id="new",
                             flavor="f", accelerator="cpu", count=0, vendor_price_per_hour=0, raw_status="Creating",
                             submitted_at=datetime.now(UTC))
    envelope = Envelope(source="scheduler", data=submitted)
    await handlers.on_event(pool, envelope)
    await handlers.on_event(pool, envelope)  # Kafka redelivery: the inbox absorbs it
    row = await tracked_row(pool, submitted.job_id)
    assert (row["status"], row["sequence"], row["active"]) == ("QUEUED", 1, True)
    events = await job_events(pool, submitted.job_id)
    assert [(e["payload"]["from_status"], e["payload"]["to_status"]) for e in events] == [("PENDING", "QUEUED")]


async def job_events(pool, job_id) -> list[dict]:
    rows = await pool.fetch("SELECT headers, payload FROM watcher.outbox WHERE key = $1 ORDER BY id", str(job_id))
    return [{"ce_type": r["headers"]["ce_type"], "payload": json.loads(r["payload"])} for r in rows]


async def test_endpoints_are_announced_with_the_poll_that_sees_them_and_withdrawn_at_the_end(pool, clean):
    vendor = ScriptedVendor()
    job_id = await track(pool, "lab")
    page = Endpoint("jupyter", "http://127.0.0.1:18004/notebook/jupyter/lab/lab")
    vendor.jobs["lab"], vendor.endpoints["lab"] = ("Pending", JobStatus.QUEUED), (page,)
    poller = Poller(vendor, SETTINGS, random.Random(1))
    await poller.poll_once(Runtime(pool))  # named by the vendor, but not shown while the job starts
    assert [e["ce_type"] for e in await job_events(pool, job_id)][1:] == ["switchyard.job.state_changed.v1"]

    async def poll(raw, status):
        vendor.jobs["lab"] = (raw, status)
        await pool.execute("UPDATE watcher.tracked_jobs SET next_poll_at = now()")
        await poller.poll_once(Runtime(pool))

    await poll("Running", JobStatus.RUNNING)
    await poll("Running", JobStatus.RUNNING)  # the same endpoints: nothing more to say
    events = (await job_events(pool, job_id))[2:]
    assert [e["ce_type"] for e in events] == ["switchyard.job.state_changed.v1", "switchyard.job.endpoints_changed.v1"]
    assert events[1]["payload"]["endpoints"] == [{"type": "jupyter", "url": page.url, "expires_at": None}]
    assert (await tracked_row(pool, job_id))["endpoints"] == [{"type": "jupyter", "url": page.url, "expires_at": None}]

    await poll("Stopped", JobStatus.STOPPED)
    events = (await job_events(pool, job_id))[4:]
    assert [(e["ce_type"], e["payload"].get("to_status"), e["payload"].get("endpoints")) for e in events] == [
        ("switchyard.job.state_changed.v1", "STOPPED", None), ("switchyard.job.endpoints_changed.v1", None, [])]
    row = await tracked_row(pool, job_id)
    assert row["endpoints"] == [] and not row["active"]


async def test_a_job_seen_again_is_not_lost(pool, clean):
    vendor = ScriptedVendor()
    job_id = await track(pool, "flaky")
    poller = Poller(vendor, SETTINGS, random.Random(1))
    await poller.poll_once(Runtime(pool))
    vendor.jobs["flaky"] = ("Creating", JobStatus.QUEUED)
    await pool.execute("UPDATE watcher.tracked_jobs SET next_poll_at = now()")
    await poller.poll_once(Runtime(pool))
    row = await tracked_row(pool, job_id)
    assert row["missing_since"] is None and row["active"]


async def test_an_outage_changes_no_job_and_is_announced_once_then_recovery_once(pool, clean):
    vendor = ScriptedVendor(can_list=True, jobs={"a": ("Running", JobStatus.RUNNING)}, down=True)
    job_id = await track(pool, "a")
    poller = Poller(vendor, SETTINGS, random.Random(1))
    for _ in range(4):
        assert await poller.poll_once(Runtime(pool)) == 0
    assert (await tracked_row(pool, job_id))["status"] == "QUEUED"
    assert await health_events(pool) == ["degraded"]
    vendor.down = False
    assert await poller.poll_once(Runtime(pool)) == 1  # QUEUED -> RUNNING, seen once the vendor is back
    await poller.poll_once(Runtime(pool))
    assert await health_events(pool) == ["degraded", "healthy"]


async def test_per_job_polls_follow_each_jobs_schedule_starting_jobs_first(pool, clean):
    vendor = ScriptedVendor(jobs={"run": ("Running", JobStatus.RUNNING), "wait": ("Pending", JobStatus.QUEUED)})
    running, waiting = await track(pool, "run"), await track(pool, "wait")
    await pool.execute("UPDATE watcher.tracked_jobs SET status = 'RUNNING', raw_status = 'Running', sequence = 2 "
                       "WHERE job_id = $1", running)
    poller = Poller(vendor, WatcherSettings(watch_batch=1, watch_starting_s=5, watch_running_s=20), random.Random(1))
    await poller.poll_once(Runtime(pool))
    assert vendor.gets == ["wait"]  # a batch of one: the starting job goes first
    await poller.poll_once(Runtime(pool))
    assert vendor.gets == ["wait", "run"]
    await poller.poll_once(Runtime(pool))
    assert vendor.gets == ["wait", "run"]  # neither is due again yet
    rows = {r["job_id"]: r["next_poll_at"] for r in await pool.fetch("SELECT job_id, next_poll_at FROM watcher.tracked_jobs")}
    now = datetime.now(UTC)
    assert 3 <= (rows[waiting] - now).total_seconds() <= 6.5
    assert 14 <= (rows[running] - now).total_seconds() <= 24.5


async def test_a_running_job_near_its_expected_end_is_looked_at_sooner(pool, clean):
    vendor = ScriptedVendor(jobs={"ending": ("Running", JobStatus.RUNNING), "long": ("Running", JobStatus.RUNNING)})
    ending, long = await track(pool, "ending", max_runtime_s=70), await track(pool, "long", max_runtime_s=3600)
    await pool.execute("UPDATE watcher.tracked_jobs SET status = 'RUNNING', raw_status = 'Running', sequence = 2, "
                       "started_at = now() - interval '60 seconds'")
    assert (await tracked_row(pool, ending))["max_runtime_s"] == 70
    await Poller(vendor, SETTINGS, random.Random(1)).poll_once(Runtime(pool))
    assert sorted(vendor.gets) == ["ending", "long"]
    rows = {r["job_id"]: r["next_poll_at"] for r in await pool.fetch("SELECT job_id, next_poll_at FROM watcher.tracked_jobs")}
    now = datetime.now(UTC)
    assert (rows[ending] - now).total_seconds() <= 6.5  # due to end in 10 s: looked at as a starting job is
    assert (rows[long] - now).total_seconds() >= 14
