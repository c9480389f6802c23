"""A job's invocation counters on the real PostgreSQL: concurrent calls each add theirs (one UPDATE each, no
read-modify-write), and the migration's columns start at zero."""

import asyncio
import uuid
from datetime import UTC, datetime

from services.gateway.store import invocations

T0 = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)


async def test_concurrent_calls_each_count(pool):
    tenant_id, job_id = uuid.uuid4(), uuid.uuid4()
    await pool.execute("INSERT INTO gateway.tenants (id, name) VALUES ($1, 'team')", tenant_id)
    await pool.execute(
        """INSERT INTO gateway.jobs (id, tenant_id, kind, name, spec, status, priority, created_at, updated_at)
           VALUES ($1, $2, 'inference', 's', '{}'::jsonb, 'RUNNING', 1, $3, $3)""", job_id, tenant_id, T0)
    assert tuple(await pool.fetchrow("SELECT invocations, invocation_bytes FROM gateway.jobs WHERE id = $1",
                                     job_id)) == (0, 0)

    async def one(size: int) -> None:
        async with pool.acquire() as conn:
            await invocations.add(conn, job_id, 1, size)

    await asyncio.gather(*(one(n) for n in range(1, 41)))
    assert tuple(await pool.fetchrow("SELECT invocations, invocation_bytes FROM gateway.jobs WHERE id = $1",
                                     job_id)) == (40, sum(range(1, 41)))
