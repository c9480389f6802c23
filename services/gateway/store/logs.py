"""Jobs' stored logs, and the captures of them still to make once a job ended."""

import uuid
from datetime import timedelta

import asyncpg


async def stored(conn, job_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT content, truncated, captured_at FROM gateway.job_logs WHERE job_id = $1",
                               job_id)


async def queue_capture(conn, job_id: uuid.UUID) -> None:
    """Ask for the job's logs to be captured (once: a job ends once)."""
    await conn.execute("INSERT INTO gateway.log_captures (job_id) VALUES ($1) ON CONFLICT DO NOTHING", job_id)


async def claim_due(conn, limit: int, lease: timedelta) -> list[asyncpg.Record]:
    """Due captures with their job's tenant, each pushed `lease` into the future, so another gateway (or this
    one after a crash) takes it only once that has passed."""
    return await conn.fetch(
        """UPDATE gateway.log_captures c SET next_try_at = now() + $2::interval
           FROM gateway.jobs j
           WHERE c.job_id = j.id AND c.job_id IN (
               SELECT job_id FROM gateway.log_captures WHERE next_try_at <= now()
               ORDER BY next_try_at LIMIT $1 FOR UPDATE SKIP LOCKED)
           RETURNING c.job_id, c.attempts, j.tenant_id""",
        limit, lease,
    )


async def store(conn, job_id: uuid.UUID, content: str, truncated: bool) -> None:
    """The job's logs, and its capture done."""
    await conn.execute(
        """INSERT INTO gateway.job_logs (job_id, content, truncated) VALUES ($1, $2, $3)
           ON CONFLICT (job_id) DO NOTHING""",
        job_id, content, truncated,
    )
    await conn.execute("DELETE FROM gateway.log_captures WHERE job_id = $1", job_id)


async def drop_capture(conn, job_id: uuid.UUID) -> None:
    """A capture there is nothing to make of (no log API, the vendor job gone)."""
    await conn.execute("DELETE FROM gateway.log_captures WHERE job_id = $1", job_id)


async def retry_later(conn, job_id: uuid.UUID, delay: timedelta, error: str) -> None:
    await conn.execute(
        """UPDATE gateway.log_captures SET attempts = attempts + 1, next_try_at = now() + $2::interval,
               last_error = $3 WHERE job_id = $1""",
        job_id, delay, error[:500],
    )
