"""A job's invocation counters (gateway.jobs.invocations, invocation_bytes)."""

import uuid

import asyncpg


async def add(conn: asyncpg.Connection, job_id: uuid.UUID, count: int, size: int) -> None:
    """Add to the job's counters in one statement, so concurrent calls never lose one."""
    await conn.execute("UPDATE gateway.jobs SET invocations = invocations + $2, "
                       "invocation_bytes = invocation_bytes + $3 WHERE id = $1", job_id, count, size)
