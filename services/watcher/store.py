"""SQL for the watcher's schema: the jobs it follows and, in the same writes, the events their changes
make (through the outbox).

Store functions read and write on the connection (or pool) they are given and never open a transaction:
the handler and the poller open the unit of work where writes belong together. What to write is decided
before (changes.py, schedule.py); a job's row and the event of its change are written together, for the
rows the write did change.
"""

import json
import uuid
from datetime import datetime

import asyncpg

from contracts.events import (
    JobEndpoint, JobEndpointsChanged, JobLostOnVendor, JobStateChanged, JobSubmitted, VendorHealthChanged,
)
from contracts.status import JobStatus
from contracts.topics import JOBS_EVENTS, VENDOR_EVENTS
from services.common.outbox import enqueue, enqueue_many
from services.common.tracing import current_traceparent
from services.watcher.changes import Tracked, from_contract, stopped_reason, to_contract
from services.watcher.schedule import STARTING

SCHEMA = "watcher"
SOURCE = "switchyard/watcher"
Db = asyncpg.Pool | asyncpg.Connection
_STARTING = [str(status) for status in STARTING]  # due jobs in these come first
_COLUMNS = ("job_id, tenant_id, vendor, vendor_job_id, kind, status, raw_status, sequence, started_at, missing_since, "
            "endpoints, max_runtime_s")


async def start_tracking(conn: asyncpg.Connection, submitted: JobSubmitted, first: JobStateChanged) -> None:
    """Follow a submitted job; a job placed again after its vendor lost it is followed on its new vendor
    (a later submission of a job no longer followed replaces the old one)."""
    inserted = await conn.fetchval(
        """INSERT INTO watcher.tracked_jobs AS t
               (job_id, tenant_id, vendor, vendor_job_id, kind, status, raw_status, sequence, traceparent,
                max_runtime_s)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (job_id) DO UPDATE
               SET vendor = EXCLUDED.vendor, vendor_job_id = EXCLUDED.vendor_job_id, kind = EXCLUDED.kind,
                   traceparent = EXCLUDED.traceparent, max_runtime_s = EXCLUDED.max_runtime_s,
                   status = EXCLUDED.status, raw_status = EXCLUDED.raw_status, reason = NULL,
                   sequence = EXCLUDED.sequence, started_at = NULL, finished_at = NULL, active = true,
                   missing_since = NULL, endpoints = '[]', next_poll_at = now(), updated_at = now()
               WHERE NOT t.active AND t.sequence < EXCLUDED.sequence
           RETURNING true""",
        submitted.job_id, submitted.tenant_id, submitted.vendor, submitted.vendor_job_id, submitted.kind,
        first.to_status, first.raw_status, first.sequence, current_traceparent(), submitted.max_runtime_s,
    )
    if inserted:
        await enqueue(conn, SCHEMA, JOBS_EVENTS, first, source=SOURCE)


def _tracked(rows) -> list[Tracked]:
    # Positional, in _COLUMNS' order: a listing vendor's tick reads every active job (tens of thousands), and
    # building a dict per row first cost more than the query.
    return [Tracked(job_id, tenant_id, vendor, vendor_job_id, JobStatus(status), raw_status, sequence, kind,
                    started_at, missing_since, _endpoints(endpoints) if endpoints else (), max_runtime_s)
            for (job_id, tenant_id, vendor, vendor_job_id, kind, status, raw_status, sequence, started_at,
                 missing_since, endpoints, max_runtime_s) in rows]


def _endpoints(stored: list) -> tuple:
    return tuple(from_contract(JobEndpoint.model_validate(item)) for item in stored)


async def active_jobs(db: Db, vendor: str) -> list[Tracked]:
    rows = await db.fetch(f"SELECT {_COLUMNS} FROM watcher.tracked_jobs WHERE active AND vendor = $1", vendor)
    return _tracked(rows)


async def due_jobs(db: Db, vendor: str, limit: int) -> list[Tracked]:
    """Jobs whose next look is due, starting jobs first, then the longest overdue."""
    rows = await db.fetch(
        f"""SELECT {_COLUMNS} FROM watcher.tracked_jobs
            WHERE active AND vendor = $1 AND next_poll_at <= now()
            ORDER BY status <> ALL($3::text[]), next_poll_at LIMIT $2""",
        vendor, limit, _STARTING,
    )
    return _tracked(rows)


async def schedule(db: Db, next_polls: list[tuple[uuid.UUID, datetime]]) -> None:
    if next_polls:
        await db.execute(
            """UPDATE watcher.tracked_jobs t SET next_poll_at = n.at
               FROM unnest($1::uuid[], $2::timestamptz[]) AS n(job_id, at) WHERE t.job_id = n.job_id""",
            [job_id for job_id, _ in next_polls], [at for _, at in next_polls],
        )


async def mark_missing(db: Db, job_id: uuid.UUID, at: datetime) -> None:
    await db.execute(
        "UPDATE watcher.tracked_jobs SET missing_since = $2 WHERE job_id = $1 AND missing_since IS NULL", job_id, at,
    )


async def record_changes(conn: asyncpg.Connection, changes: list[JobStateChanged]) -> list[JobStateChanged]:
    """Apply a tick's state changes, each only if nobody else moved its job meanwhile (optimistic on the
    sequence): one multi-row UPDATE and one multi-row outbox INSERT, one row per change applied. Returns
    the changes applied, in their order. A tick on a vendor that lists can hold thousands of changes, which
    one transaction each would turn into thousands of commits: the caller gives them one."""
    rows = await conn.fetch(
        """UPDATE watcher.tracked_jobs t
           SET status = c.status, raw_status = c.raw_status, reason = c.reason, sequence = c.sequence,
               started_at = c.started_at, finished_at = c.finished_at, active = NOT c.terminal,
               missing_since = NULL, updated_at = now()
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::integer[], $6::timestamptz[],
                       $7::timestamptz[], $8::boolean[])
                AS c(job_id, status, raw_status, reason, sequence, started_at, finished_at, terminal)
           WHERE t.job_id = c.job_id AND t.sequence = c.sequence - 1 RETURNING t.job_id, t.traceparent""",
        [c.job_id for c in changes], [str(c.to_status) for c in changes], [c.raw_status for c in changes],
        [c.reason for c in changes], [c.sequence for c in changes], [c.started_at for c in changes],
        [c.finished_at for c in changes], [c.to_status.is_terminal for c in changes],
    )
    moved = {row["job_id"]: row["traceparent"] for row in rows}
    applied = [c for c in changes if c.job_id in moved]
    # Each change in the trace of its job's submission.
    await enqueue_many(conn, SCHEMA, [(JOBS_EVENTS, change) for change in applied], source=SOURCE,
                       traceparents=[moved[change.job_id] for change in applied])
    return applied


async def record_endpoints(conn: asyncpg.Connection,
                           changes: list[tuple[Tracked, JobEndpointsChanged]]) -> list[JobEndpointsChanged]:
    """Store each job's new endpoints and enqueue their announcement, only where the stored ones are still those
    the change was decided from (the caller's transaction: the same as the poll's state changes)."""
    if not changes:
        return []
    rows = await conn.fetch(
        # As JSON text: asyncpg would read a list inside a jsonb[] parameter as one more array dimension.
        """UPDATE watcher.tracked_jobs t SET endpoints = c.new::jsonb, updated_at = now()
           FROM unnest($1::uuid[], $2::text[], $3::text[]) AS c(job_id, old, new)
           WHERE t.job_id = c.job_id AND t.endpoints = c.old::jsonb RETURNING t.job_id""",
        [change.job_id for _, change in changes],
        [json.dumps([to_contract(endpoint).model_dump(mode="json") for endpoint in tracked.endpoints])
         for tracked, _ in changes],
        [json.dumps([endpoint.model_dump(mode="json") for endpoint in change.endpoints]) for _, change in changes],
    )
    moved = {row["job_id"] for row in rows}
    applied = [change for _, change in changes if change.job_id in moved]
    await enqueue_many(conn, SCHEMA, [(JOBS_EVENTS, change) for change in applied], source=SOURCE)
    return applied


async def record_lost(conn: asyncpg.Connection, lost: JobLostOnVendor) -> bool:
    """Stop following a job its vendor lost and hand it to the scheduler, unless it moved meanwhile."""
    updated = await conn.fetchval(
        """UPDATE watcher.tracked_jobs SET active = false, reason = $3, missing_since = NULL, updated_at = now()
           WHERE job_id = $1 AND sequence = $2 AND active RETURNING true""",
        lost.job_id, lost.sequence, stopped_reason(lost),
    )
    if updated:
        await enqueue(conn, SCHEMA, JOBS_EVENTS, lost, source=SOURCE)
    return bool(updated)


async def announce_health(conn: asyncpg.Connection, event: VendorHealthChanged) -> None:
    await enqueue(conn, SCHEMA, VENDOR_EVENTS, event, source=SOURCE)


async def clear_missing(db: Db, job_ids: list[uuid.UUID]) -> None:
    if job_ids:
        await db.execute("UPDATE watcher.tracked_jobs SET missing_since = NULL WHERE job_id = ANY($1)", job_ids)
