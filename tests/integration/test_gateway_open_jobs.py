"""The open-jobs count behind the cap on `POST /v1/jobs`, on the real PostgreSQL: it counts only jobs not in a
terminal status, reads them on their own partial index (a tenant's finished jobs, however many, cost it
nothing), and brings the tenant's override of the cap in the same statement."""

import uuid
from datetime import UTC, datetime

from contracts.status import JobStatus
from services.gateway.store import jobs as job_store


async def tenant(pool) -> uuid.UUID:
    tenant_id = uuid.uuid4()
    await pool.execute("INSERT INTO gateway.tenants (id, name) VALUES ($1, 'team')", tenant_id)
    return tenant_id


async def jobs(pool, tenant_id, status: JobStatus, count: int) -> None:
    await pool.executemany(
        """INSERT INTO gateway.jobs (id, tenant_id, kind, name, spec, status, priority, created_at, updated_at)
           VALUES ($1, $2, 'training', 'n', '{}'::jsonb, $3, 1, $4, $4)""",
        [(uuid.uuid4(), tenant_id, status, datetime.now(UTC)) for _ in range(count)],
    )


async def test_only_jobs_not_yet_terminal_are_counted(pool):
    a, b = await tenant(pool), await tenant(pool)
    for status in JobStatus:
        await jobs(pool, a, status, 2)
    await jobs(pool, b, JobStatus.RUNNING, 5)
    open_statuses = [status for status in JobStatus if not status.is_terminal]
    async with pool.acquire() as conn:
        assert (await job_store.count_open(conn, a))["open_jobs"] == 2 * len(open_statuses)
        assert (await job_store.count_open(conn, b))["open_jobs"] == 5


async def test_the_count_comes_with_the_tenants_override_of_the_cap(pool):
    a = await tenant(pool)
    await jobs(pool, a, JobStatus.QUEUED, 2)
    async with pool.acquire() as conn:
        assert dict(await job_store.count_open(conn, a)) == {"open_jobs": 2, "cap_open_jobs": None}
        await conn.execute("UPDATE gateway.tenants SET cap_open_jobs = 7 WHERE id = $1", a)
        assert dict(await job_store.count_open(conn, a)) == {"open_jobs": 2, "cap_open_jobs": 7}


async def test_the_count_reads_the_open_jobs_index(pool):
    a = await tenant(pool)
    await jobs(pool, a, JobStatus.SUCCEEDED, 300)
    await jobs(pool, a, JobStatus.QUEUED, 3)
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL enable_seqscan = off")  # the table is small: make the planner show its index
        plan = await conn.fetch(
            f"EXPLAIN SELECT count(*) FROM gateway.jobs WHERE tenant_id = '{a}' AND {job_store.OPEN_JOB}")
        assert "jobs_open_by_tenant" in "\n".join(row[0] for row in plan)
