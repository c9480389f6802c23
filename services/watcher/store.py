"""SQL for the watcher's schema."""

from contracts.events import JobStateChanged, JobSubmitted
from contracts.status import JobStatus
from contracts.topics import JOBS_EVENTS
from services.common.outbox import enqueue
from services.watcher.changes import Tracked

SCHEMA = "watcher"
SOURCE = "switchyard/watcher"


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


async def active_jobs(pool, vendor: str) -> list[Tracked]:
    rows = await pool.fetch(
        """SELECT job_id, tenant_id, vendor, vendor_job_id, kind, status, raw_status, sequence, started_at
           FROM watcher.tracked_jobs WHERE active AND vendor = $1""",
        vendor,
    )
    return [Tracked(**{**dict(r), "status": JobStatus(r["status"])}) for r in rows]


async def record_change(pool, change: JobStateChanged) -> bool:
    """Apply the change if nobody else moved the job meanwhile (optimistic on the sequence)."""
    async with pool.acquire() as conn, conn.transaction():
        updated = await conn.fetchval(
            """UPDATE watcher.tracked_jobs
               SET status = $2, raw_status = $3, reason = $4, sequence = $5, started_at = $6,
                   finished_at = $7, active = NOT $8, updated_at = now()
               WHERE job_id = $1 AND sequence = $5 - 1 RETURNING true""",
            change.job_id, change.to_status, change.raw_status, change.reason, change.sequence,
            change.started_at, change.finished_at, change.to_status.is_terminal,
        )
        if updated:
            await enqueue(conn, SCHEMA, JOBS_EVENTS, change, source=SOURCE)
        return bool(updated)
