"""Jobs as the API shows them, the commands about them sent to the scheduler, and their idempotency keys."""

import uuid
from datetime import datetime, timedelta

import asyncpg

from contracts.events import JobRequested, Message
from contracts.jobs import PRIORITY_RANK
from contracts.status import JobStatus
from contracts.topics import JOBS_COMMANDS
from services.common import caps
from services.common.outbox import enqueue
from services.gateway.store import SCHEMA, SOURCE


async def claim_idempotency_key(conn: asyncpg.Connection, tenant_id: uuid.UUID, key: str) -> asyncpg.Record | None:
    """The job an earlier request with this key made (its request hash and job id), or None. Holds a lock on
    the key until the transaction ends, so concurrent requests with one key are answered one after the other."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"{tenant_id}:{key}")
    return await conn.fetchrow(
        "SELECT request_hash, job_id FROM gateway.idempotency_keys WHERE tenant_id = $1 AND key = $2",
        tenant_id, key,
    )


async def insert_job(conn: asyncpg.Connection, requested: JobRequested, idempotency_key: str | None,
                     fingerprint: str) -> asyncpg.Record:
    """The new job (PENDING) and its first event, in one statement; its idempotency key and its JobRequested
    for the scheduler. Returns the job's row."""
    spec, now = requested.spec, requested.requested_at
    job = await conn.fetchrow(
        """WITH job AS (
               INSERT INTO gateway.jobs (id, tenant_id, kind, name, spec, status, priority, created_at, updated_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING *),
           first_event AS (
               INSERT INTO gateway.job_events (job_id, position, from_status, to_status, observed_at)
               SELECT id, 0, NULL, status, created_at FROM job)
           SELECT * FROM job""",
        requested.job_id, requested.tenant_id, spec.kind, spec.name, spec.model_dump(mode="json"), JobStatus.PENDING,
        PRIORITY_RANK[spec.priority], now,
    )
    if idempotency_key is not None:
        await conn.execute(
            "INSERT INTO gateway.idempotency_keys (tenant_id, key, request_hash, job_id) VALUES ($1, $2, $3, $4)",
            requested.tenant_id, idempotency_key, fingerprint, requested.job_id,
        )
    await send_command(conn, requested)
    return job


async def send_command(conn: asyncpg.Connection, command: Message) -> None:
    """A command for the scheduler (jobs.commands), sent once the transaction commits."""
    await enqueue(conn, SCHEMA, JOBS_COMMANDS, command, source=SOURCE)


async def get_job(conn: asyncpg.Connection, tenant_id: uuid.UUID, job_id: uuid.UUID, *,
                  for_update: bool = False) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM gateway.jobs WHERE id = $1 AND tenant_id = $2"
                               + (" FOR UPDATE" if for_update else ""), job_id, tenant_id)


async def list_jobs(conn: asyncpg.Connection, tenant_id: uuid.UUID, status: str | None, limit: int,
                    after: tuple[datetime, uuid.UUID] | None, kind: str | None = None) -> list[asyncpg.Record]:
    """Newest first, keyset-paginated on (created_at, id)."""
    return await conn.fetch(
        """SELECT * FROM gateway.jobs
           WHERE tenant_id = $1 AND ($2::text IS NULL OR status = $2) AND ($6::text IS NULL OR kind = $6)
             AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4))
           ORDER BY created_at DESC, id DESC LIMIT $5""",
        tenant_id, status, after[0] if after else None, after[1] if after else None, limit, kind,
    )


# A job not yet in a terminal status; the partial index `jobs_open_by_tenant` (migration gateway_0010) is on this
# very condition.
OPEN_JOB = "status NOT IN (" + ", ".join(f"'{status.value}'" for status in JobStatus if status.is_terminal) + ")"


async def count_open_under_lock(conn: asyncpg.Connection, tenant_id: uuid.UUID, lock_key: str) -> asyncpg.Record:
    """Take the tenant's open-jobs cap lock (`caps.lock_key`; held until the transaction ends), then count its jobs not in a terminal
    status (as the read model knows them) on their own index (`open_jobs`), and read its override of the cap
    (`cap_open_jobs`, null: the default holds): one round trip (migration 0013 says why it is a function)."""
    return await conn.fetchrow(
        "SELECT open_jobs, cap_open_jobs FROM gateway.open_jobs_under_cap_lock($1, $2, $3)",
        tenant_id, caps.LOCK_CLASS, lock_key)


async def queue_positions(conn: asyncpg.Connection, jobs: list[asyncpg.Record]) -> dict[uuid.UUID, int]:
    """Each queued job's place in Switchyard's queue (1 = the next job the dispatcher tries), by job id; jobs not
    in the queue are left out. One query for the whole list, however long.

    The scheduler's order (`scheduler/fair_share.py`): higher priority first; within a priority, tenants in
    turn (every tenant's oldest queued job, then every tenant's second, ...), each turn oldest first. Ranked
    here from the read model's queued jobs (tenant, priority, created_at = the request time the scheduler
    orders by until a job's first retry), so it is the job's place in that order, approximately: the gateway
    does not see retry delays (a job waiting one out is passed over, and then goes behind the jobs of its tenant
    due before it), the dispatcher places different tenants' jobs of one batch at once, and the read model lags
    the scheduler by an event or two."""
    queued = [job["id"] for job in jobs if job["queue_reason"] is not None]
    if not queued:
        return {}
    rows = await conn.fetch(
        """WITH turns AS (
               SELECT id, priority, created_at,
                      row_number() OVER (PARTITION BY priority, tenant_id ORDER BY created_at, id) AS turn
               FROM gateway.jobs WHERE queue_reason IS NOT NULL),
           ranked AS (
               SELECT id, row_number() OVER (ORDER BY priority DESC, turn, created_at, id) AS position FROM turns)
           SELECT id, position FROM ranked WHERE id = ANY($1::uuid[])""",
        queued,
    )
    return {row["id"]: row["position"] for row in rows}


async def queued_jobs(conn: asyncpg.Connection, limit: int) -> list[asyncpg.Record]:
    """The first `limit` jobs of Switchyard's queue, every tenant's, in the order `queue_positions` ranks them."""
    return await conn.fetch(
        """WITH turns AS (
               SELECT id, priority, created_at,
                      row_number() OVER (PARTITION BY priority, tenant_id ORDER BY created_at, id) AS turn
               FROM gateway.jobs WHERE queue_reason IS NOT NULL),
           ranked AS (
               SELECT id, row_number() OVER (ORDER BY priority DESC, turn, created_at, id) AS position FROM turns)
           SELECT j.id, j.tenant_id, j.name, j.kind, j.spec, j.queue_reason, j.created_at, r.position
           FROM ranked r JOIN gateway.jobs j USING (id) ORDER BY r.position LIMIT $1""",
        limit,
    )


async def queue_position(conn: asyncpg.Connection, job: asyncpg.Record) -> int | None:
    """One job's place in the queue (see `queue_positions`); None when it is not queued."""
    return (await queue_positions(conn, [job])).get(job["id"])


OPEN_ON_VENDOR = "vendor IS NOT NULL AND queue_reason IS NULL AND status IN ('PENDING', 'QUEUED', 'RUNNING')"


async def queued_ahead(conn: asyncpg.Connection, jobs: list[asyncpg.Record]) -> list[asyncpg.Record]:
    """The queued jobs up to the last of `jobs` in queue order (ranked as in `queue_positions`) that share a
    tenant or an accelerator class with one of them: what their start estimates read (`start_estimate.py`)."""
    queued = [job for job in jobs if job["queue_reason"] is not None]
    if not queued:
        return []
    return await conn.fetch(
        """WITH turns AS (
               SELECT id, priority, created_at,
                      row_number() OVER (PARTITION BY priority, tenant_id ORDER BY created_at, id) AS turn
               FROM gateway.jobs WHERE queue_reason IS NOT NULL),
           ranked AS (
               SELECT id, row_number() OVER (ORDER BY priority DESC, turn, created_at, id) AS position FROM turns),
           last AS (SELECT max(position) AS position FROM ranked WHERE id = ANY($1::uuid[]))
           SELECT j.id, j.tenant_id, j.kind, j.queue_reason, r.position,
                  j.spec->'resources'->>'accelerator' AS accelerator, j.spec->'placement' AS placement,
                  (j.spec->>'max_runtime_s')::integer AS max_runtime_s
           FROM ranked r JOIN gateway.jobs j USING (id), last
           WHERE r.position <= last.position
             AND (j.tenant_id = ANY($2::uuid[]) OR j.spec->'resources'->>'accelerator' = ANY($3::text[]))""",
        [job["id"] for job in queued], list({job["tenant_id"] for job in queued}),
        list({job["spec"]["resources"]["accelerator"] for job in queued}),
    )


async def open_on_vendors(conn: asyncpg.Connection, tenants: list[uuid.UUID],
                          accelerators: list[str]) -> list[asyncpg.Record]:
    """The jobs placed on a vendor and not ended, of these tenants or accelerator classes."""
    return await conn.fetch(
        f"""SELECT tenant_id, kind, vendor, flavor, started_at,
                   spec->'resources'->>'accelerator' AS accelerator, (spec->>'max_runtime_s')::integer AS max_runtime_s
            FROM gateway.jobs
            WHERE {OPEN_ON_VENDOR}
              AND (tenant_id = ANY($1::uuid[]) OR spec->'resources'->>'accelerator' = ANY($2::text[]))""",
        tenants, accelerators,
    )


TYPICAL_OF_LAST = 20  # the ended runs a flavor's typical run time is the median of


async def typical_run_times(conn: asyncpg.Connection, flavors: list[str]) -> dict[str, timedelta]:
    """Per flavor, the median time its last ended jobs ran (start to end); flavors with none are left out."""
    rows = await conn.fetch(
        """SELECT f.flavor,
                  (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ran)
                   FROM (SELECT finished_at - started_at AS ran FROM gateway.jobs
                         WHERE flavor = f.flavor AND finished_at IS NOT NULL AND started_at IS NOT NULL
                         ORDER BY finished_at DESC LIMIT $2) recent) AS typical
           FROM unnest($1::text[]) AS f(flavor)""",
        flavors, TYPICAL_OF_LAST,
    )
    return {row["flavor"]: row["typical"] for row in rows if row["typical"] is not None}


async def job_events(conn: asyncpg.Connection, job_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM gateway.job_events WHERE job_id = $1 ORDER BY position", job_id)
