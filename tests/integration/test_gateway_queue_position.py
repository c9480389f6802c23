"""The queue position the gateway shows, from its read model on the real PostgreSQL, follows the scheduler's order
(`scheduler/fair_share.py`): priority, then tenants in turn, then age."""

import uuid
from datetime import UTC, datetime, timedelta

from services.gateway.store import jobs as job_store

T0 = datetime(2026, 12, 1, tzinfo=UTC)


async def tenant(pool) -> uuid.UUID:
    tenant_id = uuid.uuid4()
    await pool.execute("INSERT INTO gateway.tenants (id, name) VALUES ($1, 'team')", tenant_id)
    return tenant_id


async def job(pool, tenant_id, seconds, priority=1, queue_reason="no_capacity"):
    return await pool.fetchrow(
        """INSERT INTO gateway.jobs (id, tenant_id, kind, name, spec, status, priority, created_at, updated_at,
                                     queue_reason)
           VALUES ($1, $2, 'training', 'n', '{}'::jsonb, 'QUEUED', $3, $4, $4, $5) RETURNING *""",
        uuid.uuid4(), tenant_id, priority, T0 + timedelta(seconds=seconds), queue_reason,
    )


async def test_a_newcomers_first_job_is_shown_second_behind_a_backlog(pool):
    await pool.execute("DELETE FROM gateway.jobs")
    a, b = await tenant(pool), await tenant(pool)
    backlog = [await job(pool, a, n) for n in range(200)]
    newcomer = await job(pool, b, 1000)
    async with pool.acquire() as conn:
        assert await job_store.queue_position(conn, backlog[0]) == 1
        assert await job_store.queue_position(conn, newcomer) == 2
        assert await job_store.queue_position(conn, backlog[1]) == 3
        assert await job_store.queue_position(conn, backlog[199]) == 201


async def test_positions_count_higher_priorities_first_and_skip_jobs_not_queued(pool):
    await pool.execute("DELETE FROM gateway.jobs")
    a, b = await tenant(pool), await tenant(pool)
    running = await job(pool, b, 0, queue_reason=None)
    a1, a2 = await job(pool, a, 1), await job(pool, a, 2)
    b1 = await job(pool, b, 3)
    urgent = await job(pool, b, 4, priority=2)
    low = await job(pool, a, 5, priority=0)
    async with pool.acquire() as conn:
        positions = [await job_store.queue_position(conn, j) for j in (urgent, a1, b1, a2, low)]
        assert positions == [1, 2, 3, 4, 5]
        assert await job_store.queue_position(conn, running) is None


async def test_a_whole_page_is_ranked_in_one_query_the_same_as_job_by_job(pool):
    await pool.execute("DELETE FROM gateway.jobs")
    a, b = await tenant(pool), await tenant(pool)
    page = [await job(pool, a, 1), await job(pool, b, 2, queue_reason=None), await job(pool, a, 3),
            await job(pool, b, 4, priority=2), await job(pool, b, 5)]
    async with pool.acquire() as conn:
        one_by_one = {j["id"]: await job_store.queue_position(conn, j) for j in page}
        queries = []
        conn.add_query_logger(queries.append)
        together = await job_store.queue_positions(conn, page)
        conn.remove_query_logger(queries.append)
    assert together == {i: p for i, p in one_by_one.items() if p is not None}
    assert sorted(together.values()) == [1, 2, 3, 4]
    assert len(queries) == 1
