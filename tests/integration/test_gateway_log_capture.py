"""Keeping an ended job's logs, on the real PostgreSQL: the read model queues a capture when a job ends on a
vendor, the capture loop stores the log's end (cut at a line boundary), retries a failed read later and drops
a capture there is nothing to keep of (no log API)."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from contracts.events import JobStateChanged
from contracts.status import JobStatus
from services.common.problems import Problem
from services.gateway import log_capture
from services.gateway.store import logs, read_model


@dataclass
class FakeSettings:
    scheduler_url: str = "http://scheduler.invalid"
    log_retain_bytes: int = 1024


@dataclass
class FakeRuntime:
    pool: object
    settings: FakeSettings


async def running_job(pool) -> tuple[uuid.UUID, uuid.UUID]:
    tenant_id, job_id = uuid.uuid4(), uuid.uuid4()
    await pool.execute("INSERT INTO gateway.tenants (id, name) VALUES ($1, 'team')", tenant_id)
    await pool.execute(
        """INSERT INTO gateway.jobs (id, tenant_id, kind, name, spec, status, priority, created_at, updated_at,
                                     vendor, vendor_job_id, last_sequence)
           VALUES ($1, $2, 'training', 'n', '{}'::jsonb, 'RUNNING', 1, now(), now(), 'modelarts', 'v-1', 3)""",
        job_id, tenant_id)
    return tenant_id, job_id


def ended(tenant_id, job_id, vendor_job_id: str | None = "v-1") -> JobStateChanged:
    now = datetime.now(UTC)
    return JobStateChanged(job_id=job_id, tenant_id=tenant_id, vendor="modelarts" if vendor_job_id else None,
                           vendor_job_id=vendor_job_id, from_status=JobStatus.RUNNING, to_status=JobStatus.SUCCEEDED,
                           raw_status="Completed", vendor_time=now, observed_at=now, sequence=4)


@pytest.fixture
def scheduler(monkeypatch):
    """The scheduler's log answers, by job: a text, or a Problem to raise; and the reads made."""
    answers, reads = {}, []

    async def ask_text(upstream, url, *, params=None):
        job_id = uuid.UUID(url.split("/jobs/")[1].split("/")[0])
        reads.append((job_id, upstream.public_path, params))
        answer = answers[job_id]
        if isinstance(answer, Problem):
            raise answer
        return answer

    monkeypatch.setattr(log_capture, "ask_text", ask_text)
    return answers, reads


async def capture(pool) -> int:
    return await log_capture.capture_due(FakeRuntime(pool, FakeSettings()), lambda path: _Upstream(path))


@dataclass
class _Upstream:
    public_path: str


async def test_a_job_ending_on_its_vendor_has_its_logs_kept(pool, scheduler):
    answers, reads = scheduler
    tenant_id, job_id = await running_job(pool)
    async with pool.acquire() as conn, conn.transaction():
        await read_model.apply_state_changed(conn, ended(tenant_id, job_id))
    answers[job_id] = "".join(f"line {i:04d}\n" for i in range(200))  # 2,000 bytes, over the 1,024 kept

    assert await capture(pool) >= 1
    async with pool.acquire() as conn:
        kept = await logs.stored(conn, job_id)
    assert kept["truncated"] and kept["content"] == "".join(f"line {i:04d}\n" for i in range(98, 200))
    assert await pool.fetchval("SELECT count(*) FROM gateway.log_captures WHERE job_id = $1", job_id) == 0
    assert reads[-1] == (job_id, f"/v1/jobs/{job_id}/logs", {"tail": log_capture.READ_ALL})


async def test_a_failed_read_is_tried_again_later(pool, scheduler):
    answers, reads = scheduler
    tenant_id, job_id = await running_job(pool)
    async with pool.acquire() as conn, conn.transaction():
        await read_model.apply_state_changed(conn, ended(tenant_id, job_id))
    answers[job_id] = Problem(503, "Vendor unavailable", "modelarts did not answer", type_="upstream-unavailable")

    await capture(pool)
    row = await pool.fetchrow("SELECT attempts, last_error, next_try_at > now() AS later FROM gateway.log_captures "
                              "WHERE job_id = $1", job_id)
    assert (row["attempts"], row["later"]) == (1, True) and row["last_error"].startswith("503")
    await capture(pool)
    assert len([read for read in reads if read[0] == job_id]) == 1  # not due again yet: read once

    await pool.execute("UPDATE gateway.log_captures SET next_try_at = now() WHERE job_id = $1", job_id)
    answers[job_id] = "exit status 0\n"
    await capture(pool)
    async with pool.acquire() as conn:
        assert (await logs.stored(conn, job_id))["content"] == "exit status 0\n"


async def test_a_vendor_without_logs_leaves_nothing_to_keep(pool, scheduler):
    answers, _ = scheduler
    tenant_id, job_id = await running_job(pool)
    async with pool.acquire() as conn, conn.transaction():
        await read_model.apply_state_changed(conn, ended(tenant_id, job_id))
    answers[job_id] = Problem(501, "Logs unsupported", "qizhi offers no job logs", type_="logs-unsupported")
    await capture(pool)
    assert await pool.fetchval("SELECT count(*) FROM gateway.log_captures WHERE job_id = $1", job_id) == 0
    assert await pool.fetchval("SELECT count(*) FROM gateway.job_logs WHERE job_id = $1", job_id) == 0


async def test_a_job_stopped_in_switchyards_own_queue_has_no_capture(pool, scheduler):
    tenant_id, job_id = await running_job(pool)
    async with pool.acquire() as conn, conn.transaction():
        await read_model.apply_state_changed(conn, ended(tenant_id, job_id, vendor_job_id=None))
    assert await pool.fetchval("SELECT count(*) FROM gateway.log_captures WHERE job_id = $1", job_id) == 0
