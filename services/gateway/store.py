"""SQL for the gateway's schema: tenants, the job read model, job events, idempotency keys."""

import uuid
from datetime import UTC, datetime

import asyncpg

from contracts.events import (
    JobCancelRequested, JobLostOnVendor, JobPlacementAttempted, JobRejected, JobRequested, JobStateChanged,
    JobStopRequested, JobSubmitted, TenantLimitsSet,
)
from contracts.catalog import CatalogRefreshRequested
from contracts.jobs import PRIORITY_RANK, JobSpec
from contracts.status import JobStatus
from contracts.topics import JOBS_COMMANDS
from services.common.outbox import enqueue

SCHEMA = "gateway"
SOURCE = "switchyard/gateway"


class IdempotencyConflict(Exception):
    pass


async def create_tenant(pool: asyncpg.Pool, name: str, api_key_hash: str) -> uuid.UUID:
    tenant_id = uuid.uuid4()
    await pool.execute(
        "INSERT INTO gateway.tenants (id, name, api_key_hash) VALUES ($1, $2, $3)", tenant_id, name, api_key_hash
    )
    return tenant_id


async def tenant_exists(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> bool:
    return bool(await pool.fetchval("SELECT 1 FROM gateway.tenants WHERE id = $1", tenant_id))


async def submit_job(pool: asyncpg.Pool, tenant_id: uuid.UUID, spec: JobSpec,
                     idempotency_key: str | None, fingerprint: str) -> tuple[asyncpg.Record, bool]:
    """Insert the job and its JobRequested in one transaction. Returns (job, created)."""
    async with pool.acquire() as conn, conn.transaction():
        if idempotency_key is not None:
            # Serialize concurrent requests with the same key on a transaction-scoped advisory lock.
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"{tenant_id}:{idempotency_key}")
            previous = await conn.fetchrow(
                "SELECT request_hash, job_id FROM gateway.idempotency_keys WHERE tenant_id = $1 AND key = $2",
                tenant_id, idempotency_key,
            )
            if previous is not None:
                if previous["request_hash"] != fingerprint:
                    raise IdempotencyConflict()
                return await _job(conn, tenant_id, previous["job_id"]), False
        job_id = uuid.uuid4()
        now = datetime.now(UTC)
        await conn.execute(
            """INSERT INTO gateway.jobs (id, tenant_id, kind, name, spec, status, priority, created_at, updated_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)""",
            job_id, tenant_id, spec.kind, spec.name, spec.model_dump(mode="json"), JobStatus.PENDING,
            PRIORITY_RANK[spec.priority], now,
        )
        await conn.execute(
            """INSERT INTO gateway.job_events (job_id, position, from_status, to_status, observed_at)
               VALUES ($1, 0, NULL, $2, $3)""",
            job_id, JobStatus.PENDING, now,
        )
        if idempotency_key is not None:
            await conn.execute(
                "INSERT INTO gateway.idempotency_keys (tenant_id, key, request_hash, job_id) VALUES ($1, $2, $3, $4)",
                tenant_id, idempotency_key, fingerprint, job_id,
            )
        await enqueue(conn, SCHEMA, JOBS_COMMANDS,
                      JobRequested(job_id=job_id, tenant_id=tenant_id, spec=spec, requested_at=now), source=SOURCE)
        return await _job(conn, tenant_id, job_id), True


async def _job(conn, tenant_id: uuid.UUID, job_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM gateway.jobs WHERE id = $1 AND tenant_id = $2", job_id, tenant_id)


async def get_job(pool: asyncpg.Pool, tenant_id: uuid.UUID, job_id: uuid.UUID) -> asyncpg.Record | None:
    async with pool.acquire() as conn:
        return await _job(conn, tenant_id, job_id)


async def list_jobs(pool: asyncpg.Pool, tenant_id: uuid.UUID, status: str | None, limit: int,
                    after: tuple[datetime, uuid.UUID] | None) -> list[asyncpg.Record]:
    """Newest first, keyset-paginated on (created_at, id)."""
    return await pool.fetch(
        """SELECT * FROM gateway.jobs
           WHERE tenant_id = $1 AND ($2::text IS NULL OR status = $2)
             AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4))
           ORDER BY created_at DESC, id DESC LIMIT $5""",
        tenant_id, status, after[0] if after else None, after[1] if after else None, limit,
    )


async def queue_position(pool: asyncpg.Pool, job: asyncpg.Record) -> int | None:
    """1 for the next job the dispatcher tries; None when the job is not in Switchyard's queue."""
    if job["queue_reason"] is None:
        return None
    ahead = await pool.fetchval(
        """SELECT count(*) FROM gateway.jobs
           WHERE queue_reason IS NOT NULL
             AND (priority > $1 OR (priority = $1 AND (created_at, id) < ($2, $3)))""",
        job["priority"], job["created_at"], job["id"],
    )
    return ahead + 1


async def set_limits(pool: asyncpg.Pool, event: TenantLimitsSet) -> bool:
    """Store the tenant's limits and send them to the scheduler, which enforces them."""
    async with pool.acquire() as conn, conn.transaction():
        updated = await conn.fetchval(
            """UPDATE gateway.tenants SET max_concurrent_jobs = $2, max_concurrent_accelerators = $3
               WHERE id = $1 RETURNING true""",
            event.tenant_id, event.max_concurrent_jobs, event.max_concurrent_accelerators,
        )
        if updated:
            await enqueue(conn, SCHEMA, JOBS_COMMANDS, event, source=SOURCE)
        return bool(updated)


async def request_catalog_refresh(pool: asyncpg.Pool, command: CatalogRefreshRequested) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await enqueue(conn, SCHEMA, JOBS_COMMANDS, command, source=SOURCE)


async def tenant(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> asyncpg.Record | None:
    return await pool.fetchrow("SELECT * FROM gateway.tenants WHERE id = $1", tenant_id)


async def job_events(pool: asyncpg.Pool, job_id: uuid.UUID) -> list[asyncpg.Record]:
    return await pool.fetch("SELECT * FROM gateway.job_events WHERE job_id = $1 ORDER BY position", job_id)


async def request_cancel(pool: asyncpg.Pool, tenant_id: uuid.UUID, job_id: uuid.UUID) -> asyncpg.Record | None:
    async with pool.acquire() as conn, conn.transaction():
        job = await conn.fetchrow(
            "SELECT * FROM gateway.jobs WHERE id = $1 AND tenant_id = $2 FOR UPDATE", job_id, tenant_id
        )
        if job is None or JobStatus(job["status"]).is_terminal:
            return job
        await enqueue(conn, SCHEMA, JOBS_COMMANDS,
                      JobCancelRequested(job_id=job_id, tenant_id=tenant_id, requested_at=datetime.now(UTC)),
                      source=SOURCE)
        return job


# --- read model: applied from jobs.events and billing.events (inside the consumer's transaction) ---

async def apply_submitted(conn, event: JobSubmitted) -> None:
    await conn.execute(
        """UPDATE gateway.jobs SET vendor = $2, vendor_job_id = $3, flavor = $4, queue_reason = NULL,
               updated_at = now()
           WHERE id = $1""",
        event.job_id, event.vendor, event.vendor_job_id, event.flavor,
    )


async def apply_stop_requested(conn, event: JobStopRequested) -> None:
    await conn.execute("UPDATE gateway.jobs SET stop_reason = $2, updated_at = now() WHERE id = $1",
                       event.job_id, event.reason)
    await _append_event(conn, event.job_id, None, None, None, event.reason, None, event.requested_at, type_="stop")


async def apply_attempt(conn, event: JobPlacementAttempted) -> None:
    await _append_event(conn, event.job_id, None, None, None, event.message, None, event.attempted_at,
                        type_="attempt", detail={"attempt": event.attempt, "vendor": event.vendor,
                                                 "flavor": event.flavor, "outcome": event.outcome})


async def apply_lost(conn, event: JobLostOnVendor) -> None:
    await _append_event(conn, event.job_id, None, None, event.raw_status, event.reason, None, event.observed_at,
                        type_="lost", detail={"vendor": event.vendor, "vendor_job_id": event.vendor_job_id,
                                              "cause": event.cause})


async def apply_rejected(conn, event: JobRejected) -> None:
    job = await conn.fetchrow("SELECT status FROM gateway.jobs WHERE id = $1 FOR UPDATE", event.job_id)
    if job is None or JobStatus(job["status"]).is_terminal:
        return
    await conn.execute(
        """UPDATE gateway.jobs SET status = $2, status_reason = $3, finished_at = $4, queue_reason = NULL,
               updated_at = now()
           WHERE id = $1""",
        event.job_id, JobStatus.FAILED, f"{event.reason}: {event.message}", event.rejected_at,
    )
    await _append_event(conn, event.job_id, job["status"], JobStatus.FAILED, None, event.reason, None,
                        event.rejected_at)


async def apply_state_changed(conn, event: JobStateChanged) -> None:
    job = await conn.fetchrow("SELECT last_sequence FROM gateway.jobs WHERE id = $1 FOR UPDATE", event.job_id)
    if job is None or event.sequence <= job["last_sequence"]:
        return  # unknown job, or an older state than the one shown
    # A state change without a vendor comes from Switchyard's own queue: its reason is the queue reason.
    in_our_queue = event.vendor is None and event.to_status == JobStatus.QUEUED
    # A job we stopped says why (cancelled, funds_exhausted) rather than the vendor's word for it.
    await conn.execute(
        """UPDATE gateway.jobs SET status = $2,
               status_reason = CASE WHEN $2 = 'STOPPED' THEN COALESCE(stop_reason, $3) ELSE $3 END,
               last_sequence = $4,
               started_at = COALESCE($5, started_at), finished_at = COALESCE($6, finished_at),
               vendor = CASE WHEN $9::text IS NULL THEN COALESCE($7, vendor) END,
               vendor_job_id = CASE WHEN $9::text IS NULL THEN COALESCE($8, vendor_job_id) END,
               flavor = CASE WHEN $9::text IS NULL THEN flavor END,
               queue_reason = $9, updated_at = now()
           WHERE id = $1""",
        event.job_id, event.to_status, event.reason, event.sequence, event.started_at, event.finished_at,
        event.vendor, event.vendor_job_id, event.reason if in_our_queue else None,
    )
    await _append_event(conn, event.job_id, event.from_status, event.to_status, event.raw_status, event.reason,
                        event.vendor_time, event.observed_at)


async def _append_event(conn, job_id, from_status, to_status, raw_status, reason, vendor_time, observed_at,
                        *, type_: str = "state", detail: dict | None = None) -> None:
    await conn.execute(
        """INSERT INTO gateway.job_events
               (job_id, position, from_status, to_status, raw_status, reason, vendor_time, observed_at, type, detail)
           SELECT $1, COALESCE(max(position), -1) + 1, $2, $3, $4, $5, $6, $7, $8, $9
           FROM gateway.job_events WHERE job_id = $1""",
        job_id, from_status, to_status, raw_status, reason, vendor_time, observed_at, type_, detail,
    )


async def apply_usage(conn, job_id: uuid.UUID, amount: int) -> None:
    await conn.execute("UPDATE gateway.jobs SET cost = cost + $2, updated_at = now() WHERE id = $1", job_id, amount)
