"""The open-jobs count behind the cap on `POST /v1/jobs`, on the real PostgreSQL: it counts only jobs not in a
terminal status, reads them on their own partial index (a tenant's finished jobs, however many, cost it
nothing), brings the tenant's override of the cap in the same round trip, and is taken under the cap's lock, so
a count waits for a concurrent submission of the tenant to commit and then sees its job."""

import asyncio

import uuid
from datetime import UTC, datetime

from contracts.status import JobStatus
from services.common import caps
from services.gateway.store import jobs as job_store


def counted(conn, tenant_id: uuid.UUID):
    return job_store.count_open_under_lock(conn, tenant_id, caps.lock_key("max_open_jobs_per_tenant", tenant_id))


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
        assert (await counted(conn, a))["open_jobs"] == 2 * len(open_statuses)
        assert (await counted(conn, b))["open_jobs"] == 5


async def test_the_count_comes_with_the_tenants_override_of_the_cap(pool):
    a = await tenant(pool)
    await jobs(pool, a, JobStatus.QUEUED, 2)
    async with pool.acquire() as conn:
        assert dict(await counted(conn, a)) == {"open_jobs": 2, "cap_open_jobs": None}
        await conn.execute("UPDATE gateway.tenants SET cap_open_jobs = 7 WHERE id = $1", a)
        assert dict(await counted(conn, a)) == {"open_jobs": 2, "cap_open_jobs": 7}


async def test_the_count_reads_the_open_jobs_index(pool):
    a = await tenant(pool)
    await jobs(pool, a, JobStatus.SUCCEEDED, 300)
    await jobs(pool, a, JobStatus.QUEUED, 3)
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL enable_seqscan = off")  # the table is small: make the planner show its index
        plan = await conn.fetch(
            f"EXPLAIN SELECT count(*) FROM gateway.jobs WHERE tenant_id = '{a}' AND {job_store.OPEN_JOB}")
        assert "jobs_open_by_tenant" in "\n".join(row[0] for row in plan)


async def test_a_count_waits_for_the_submission_holding_the_lock_and_then_sees_its_job(pool):
    a = await tenant(pool)
    async with pool.acquire() as first, pool.acquire() as second:
        holding = first.transaction()
        await holding.start()
        await jobs(first, a, JobStatus.PENDING, 1)
        assert (await counted(first, a))["open_jobs"] == 1
        async with second.transaction():
            waiting = asyncio.ensure_future(counted(second, a))
            while not await pool.fetchval("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                                          "AND pid = $1", second.get_server_pid()):
                assert not waiting.done(), "the count did not wait for the lock"
                await asyncio.sleep(0.01)
            await holding.commit()
            assert (await waiting)["open_jobs"] == 1  # its snapshot came after the lock: the committed job counts


async def test_the_function_counts_with_the_predicate_of_the_open_jobs_index(pool):
    source = await pool.fetchval("SELECT prosrc FROM pg_proc WHERE proname = 'open_jobs_under_cap_lock'")
    assert job_store.OPEN_JOB in source
