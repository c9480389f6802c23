"""SQL for the watcher's schema."""

import uuid
from datetime import datetime

from contracts.events import JobStateChanged, JobSubmitted, VendorHealthChanged
from contracts.status import JobStatus
from contracts.topics import JOBS_EVENTS, VENDOR_EVENTS
from services.common.outbox import enqueue
from services.watcher.changes import Tracked

SCHEMA = "watcher"
SOURCE = "switchyard/watcher"
_COLUMNS = "job_id, tenant_id, vendor, vendor_job_id, kind, status, raw_status, sequence, started_at, missing_since"


async def start_tracking(conn, submitted: JobSubmitted, first: JobStateChanged) -> None:
    inserted = await conn.fetchval(
        """INSERT INTO watcher.tracked_jobs
               (job_id, tenant_id, vendor, vendor_job_id, kind, status, raw_status, sequence)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (job_id) DO NOTHING RETURNING true""",
        submitted.job_id, submitted.tenant_id, submitted.vendor, submitted.vendor_job_id, submitted.kind,
        first.to_status, first.raw_status, first.sequence,
    )
    if inserted:
        await enqueue(conn, SCHEMA, JOBS_EVENTS, first, source=SOURCE)


def _tracked(rows) -> list[Tracked]:
    return [Tracked(**{**dict(r), "status": JobStatus(r["status"])}) for r in rows]


async def active_jobs(pool, vendor: str) -> list[Tracked]:
    rows = await pool.fetch(f"SELECT {_COLUMNS} FROM watcher.tracked_jobs WHERE active AND vendor = $1", vendor)
    return _tracked(rows)


async def due_jobs(pool, vendor: str, limit: int) -> list[Tracked]:
    """Jobs whose next look is due, starting jobs first, then the longest overdue."""
    rows = await pool.fetch(
        f"""SELECT {_COLUMNS} FROM watcher.tracked_jobs
            WHERE active AND vendor = $1 AND next_poll_at <= now()
            ORDER BY status NOT IN ('PENDING', 'QUEUED'), next_poll_at LIMIT $2""",
        vendor, limit,
    )
    return _tracked(rows)


async def schedule(pool, next_polls: list[tuple[uuid.UUID, datetime]]) -> None:
    if next_polls:
        await pool.execute(
            """UPDATE watcher.tracked_jobs t SET next_poll_at = n.at
               FROM unnest($1::uuid[], $2::timestamptz[]) AS n(job_id, at) WHERE t.job_id = n.job_id""",
            [job_id for job_id, _ in next_polls], [at for _, at in next_polls],
        )


async def mark_missing(pool, job_id: uuid.UUID, at: datetime) -> None:
    await pool.execute(
        "UPDATE watcher.tracked_jobs SET missing_since = $2 WHERE job_id = $1 AND missing_since IS NULL", job_id, at,
    )


async def record_change(pool, change: JobStateChanged) -> bool:
    """Apply the change if nobody else moved the job meanwhile (optimistic on the sequence)."""
    async with pool.acquire() as conn, conn.transaction():
        updated = await conn.fetchval(
            """UPDATE watcher.tracked_jobs
               SET status = $2, raw_status = $3, reason = $4, sequence = $5, started_at = $6,
                   finished_at = $7, active = NOT $8, missing_since = NULL, updated_at = now()
               WHERE job_id = $1 AND sequence = $5 - 1 RETURNING true""",
            change.job_id, change.to_status, change.raw_status, change.reason, change.sequence,
            change.started_at, change.finished_at, change.to_status.is_terminal,
        )
        if updated:
            await enqueue(conn, SCHEMA, JOBS_EVENTS, change, source=SOURCE)
        return bool(updated)


async def announce_health(pool, event: VendorHealthChanged) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await enqueue(conn, SCHEMA, VENDOR_EVENTS, event, source=SOURCE)


async def clear_missing(pool, job_ids: list[uuid.UUID]) -> None:
    if job_ids:
        await pool.execute("UPDATE watcher.tracked_jobs SET missing_since = NULL WHERE job_id = ANY($1)", job_ids)
