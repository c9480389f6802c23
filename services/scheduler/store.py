"""SQL for the scheduler's schema."""

import uuid
from datetime import UTC, datetime

from contracts.events import JobRejected, JobSubmitted
from contracts.topics import JOBS_EVENTS
from services.common.outbox import enqueue

SCHEMA = "scheduler"
SOURCE = "switchyard/scheduler"


async def record_submitted(conn, event: JobSubmitted) -> None:
    await conn.execute(
        """INSERT INTO scheduler.placements (job_id, tenant_id, state, vendor, vendor_job_id, flavor, kind)
           VALUES ($1, $2, 'submitted', $3, $4, $5, $6)""",
        event.job_id, event.tenant_id, event.vendor, event.vendor_job_id, event.flavor, event.kind,
    )
    await enqueue(conn, SCHEMA, JOBS_EVENTS, event, source=SOURCE)


async def record_rejected(conn, event: JobRejected) -> None:
    await conn.execute(
        """INSERT INTO scheduler.placements (job_id, tenant_id, state, reason)
           VALUES ($1, $2, 'rejected', $3)""",
        event.job_id, event.tenant_id, f"{event.reason}: {event.message}",
    )
    await enqueue(conn, SCHEMA, JOBS_EVENTS, event, source=SOURCE)


async def placement(pool, job_id: uuid.UUID):
    return await pool.fetchrow("SELECT * FROM scheduler.placements WHERE job_id = $1", job_id)


async def record_cancel(conn, job_id: uuid.UUID) -> None:
    await conn.execute(
        "UPDATE scheduler.placements SET cancel_requested_at = $2, updated_at = now() WHERE job_id = $1",
        job_id, datetime.now(UTC),
    )
