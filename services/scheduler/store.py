"""SQL for the scheduler's schema: the placements (Switchyard's queue) and tenant limits. It reads and writes;
what a state change is, is decided in `transitions.py` and `placement.py`, and the caller owns the transaction."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
from pydantic import TypeAdapter

from contracts.events import (
    JobLostOnVendor, JobPlacementAttempted, JobRejected, JobRequested, JobStateChanged, JobStopRequested, JobSubmitted, Message,
    TenantLimitsSet, TenantStatusSet, VendorEvent,
)
from contracts.catalog import Exclusion
from contracts.jobs import PRIORITY_RANK, JobSpec
from contracts.status import JobStatus
from contracts.topics import JOBS_EVENTS, VENDOR_EVENTS
from services.common.outbox import enqueue_many
from services.scheduler import fair_share, transitions
from services.scheduler.placement import Limits

SCHEMA = "scheduler"
RANKED_WINDOW = 4096  # claim_due ranks tenants' turns over at most this many of the longest-requested due jobs
SOURCE = "switchyard/scheduler"


# The specs of a batch as one JSON array, split by the database: a dict per spec, then JSON per dict, cost more
# than the rest of the enqueue.
_SPECS = TypeAdapter(list[JobSpec])


async def enqueue_jobs(conn, requested: list[tuple[JobRequested, str | None]]) -> None:
    """New jobs into the queue, each with the trace of its request (a repeat of one already there changes
    nothing), in one statement."""
    if not requested:
        return
    events = [event for event, _ in requested]
    await conn.execute(
        """INSERT INTO scheduler.placements (job_id, tenant_id, state, priority, spec, requested_at, kind,
                                             accelerators, traceparent)
           SELECT j.job_id, j.tenant_id, 'queued', j.priority, j.spec::jsonb, j.requested_at, j.kind, j.accelerators,
                  j.traceparent
           FROM ROWS FROM (unnest($1::uuid[]), unnest($2::uuid[]), unnest($3::smallint[]),
                           json_array_elements($4::text::json), unnest($5::timestamptz[]), unnest($6::text[]),
                           unnest($7::integer[]), unnest($8::text[]))
                AS j(job_id, tenant_id, priority, spec, requested_at, kind, accelerators, traceparent)
           ON CONFLICT (job_id) DO NOTHING""",
        [e.job_id for e in events], [e.tenant_id for e in events], [PRIORITY_RANK[e.spec.priority] for e in events],
        _SPECS.dump_json([e.spec for e in events]).decode(), [e.requested_at for e in events],
        [e.spec.kind for e in events], [e.spec.resources.count * (e.spec.replicas or e.spec.resources.nodes) for e in events],
        [traceparent for _, traceparent in requested],
    )
    await conn.execute("SELECT pg_notify('scheduler_queue', '')")


async def claim_due(pool: asyncpg.Pool, limit: int, lease_s: float,
                    per_tenant: int = fair_share.PER_TENANT_BATCH) -> list[asyncpg.Record]:
    """Lease up to `limit` queued jobs that are due, at most `per_tenant` of one tenant, in queue order
    (`fair_share`: priority, then tenants in turn, then how long each has been due). A lease keeps other
    dispatchers (other replicas) off a job while it is tried, so one job never has two submissions at once."""
    # The turns are ranked over a window of the longest-requested due jobs (`RANKED_WINDOW`, read along the
    # queue index), so a claim's work stays bounded however long the queue; a tenant's job behind that many due
    # jobs waits for the window to reach it. FOR UPDATE cannot share a query level with window functions: the
    # chosen rows are locked by primary key in `due` (joining `ranked` back to the table instead let the planner
    # pick a plan that halved the dispatcher's throughput), which checks again what a concurrent claim changed.
    rows = await pool.fetch(
        """WITH window_ AS (
               SELECT job_id, tenant_id, priority, COALESCE(next_try_at, requested_at) AS due_since
               FROM scheduler.placements
               WHERE state = 'queued' AND (next_try_at IS NULL OR next_try_at <= now())
                 AND (lease_until IS NULL OR lease_until < now())
                 AND tenant_id NOT IN (SELECT tenant_id FROM scheduler.tenant_limits WHERE suspended)
               ORDER BY priority DESC, requested_at LIMIT $4),
           ranked AS (
               SELECT job_id, priority, due_since,
                      row_number() OVER (PARTITION BY priority, tenant_id ORDER BY due_since, job_id) AS turn,
                      row_number() OVER (PARTITION BY tenant_id ORDER BY priority DESC, due_since, job_id)
                          AS tenant_seq
               FROM window_),
           chosen AS (
               SELECT job_id FROM ranked WHERE tenant_seq <= $3
               ORDER BY priority DESC, turn, due_since, job_id LIMIT $1),
           due AS (
               SELECT p.job_id FROM scheduler.placements p
               WHERE p.job_id = ANY(ARRAY(SELECT job_id FROM chosen)) AND p.state = 'queued'
                 AND (p.next_try_at IS NULL OR p.next_try_at <= now())
                 AND (p.lease_until IS NULL OR p.lease_until < now())
               FOR UPDATE SKIP LOCKED)
           UPDATE scheduler.placements p SET lease_until = now() + make_interval(secs => $2)
           FROM due WHERE p.job_id = due.job_id
           RETURNING p.*""",
        limit, lease_s, per_tenant, max(limit, RANKED_WINDOW),
    )
    return fair_share.fair_order(rows, _queued_job)  # RETURNING keeps no order


def _queued_job(row: asyncpg.Record) -> fair_share.Queued:
    return fair_share.Queued(row["job_id"], row["tenant_id"], row["priority"], row["requested_at"], row["next_try_at"])


async def tenants_usage(pool_or_conn, tenant_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[Limits, int, int]]:
    """Each tenant's limits, and the jobs and accelerators it has on vendors now (one round trip)."""
    rows = await pool_or_conn.fetch(
        """SELECT t.tenant_id, l.max_concurrent_jobs, l.max_concurrent_accelerators,
                  count(p.job_id) AS jobs, COALESCE(sum(p.accelerators), 0) AS accelerators
           FROM unnest($1::uuid[]) AS t(tenant_id)
           LEFT JOIN scheduler.tenant_limits l ON l.tenant_id = t.tenant_id
           LEFT JOIN scheduler.placements p ON p.tenant_id = t.tenant_id AND p.state = 'submitted'
           GROUP BY t.tenant_id, l.max_concurrent_jobs, l.max_concurrent_accelerators""",
        tenant_ids,
    )
    return {row["tenant_id"]: (Limits(max_concurrent_jobs=row["max_concurrent_jobs"],
                                      max_concurrent_accelerators=row["max_concurrent_accelerators"]),
                               row["jobs"], row["accelerators"]) for row in rows}


async def set_limits(conn, event: TenantLimitsSet) -> None:
    await conn.execute(
        """INSERT INTO scheduler.tenant_limits (tenant_id, max_concurrent_jobs, max_concurrent_accelerators, updated_at)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (tenant_id) DO UPDATE SET max_concurrent_jobs = $2, max_concurrent_accelerators = $3,
               updated_at = $4""",
        event.tenant_id, event.max_concurrent_jobs, event.max_concurrent_accelerators, event.set_at,
    )
    await conn.execute("SELECT pg_notify('scheduler_queue', '')")


async def set_status(conn, event: TenantStatusSet) -> None:
    """A suspended tenant's queued jobs are not claimed (`claim_due`); on resume they are due again at once.
    The tenant's commands share one partition, so they come in order; `status_set_at` still keeps a replayed
    older one from undoing a newer one."""
    suspended = event.status == "suspended"
    await conn.execute(
        """INSERT INTO scheduler.tenant_limits (tenant_id, suspended, status_set_at, updated_at)
           VALUES ($1, $2, $3, $3)
           ON CONFLICT (tenant_id) DO UPDATE SET suspended = $2, status_set_at = $3, updated_at = $3
           WHERE tenant_limits.status_set_at IS NULL OR tenant_limits.status_set_at <= $3""",
        event.tenant_id, suspended, event.set_at,
    )
    if not suspended:
        await _freed(conn, event.tenant_id)


async def publish(conn, events: list[Message], traceparents: list[str | None] | None = None) -> None:
    await enqueue_many(conn, SCHEMA, [(VENDOR_EVENTS if isinstance(e, VendorEvent) else JOBS_EVENTS, e) for e in events],
                       source=SOURCE, traceparents=traceparents)


@dataclass(frozen=True)
class Submission:
    submitted: JobSubmitted
    attempts: list[JobPlacementAttempted]
    extra: list[Message]  # vendor health changes seen on the way
    traceparent: str | None = None  # the placement's trace (submissions of many jobs are written together)

    @property
    def events(self) -> list[Message]:
        return [*self.attempts, self.submitted, *self.extra]


async def record_submissions(conn, submissions: list[Submission]) -> None:
    """Jobs now on a vendor, and their events, in two statements however many there are."""
    await conn.execute(
        """UPDATE scheduler.placements p
           SET state = 'submitted', vendor = s.vendor, vendor_job_id = s.vendor_job_id, flavor = s.flavor,
               accelerators = s.accelerators, attempts = p.attempts + s.attempts, queue_reason = NULL,
               excluded = NULL, lease_until = NULL, updated_at = now()
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::integer[], $6::integer[])
                AS s(job_id, vendor, vendor_job_id, flavor, accelerators, attempts)
           WHERE p.job_id = s.job_id""",
        [s.submitted.job_id for s in submissions], [s.submitted.vendor for s in submissions],
        [s.submitted.vendor_job_id for s in submissions], [s.submitted.flavor for s in submissions],
        [s.submitted.count for s in submissions], [len(s.attempts) for s in submissions],
    )
    await publish(conn, [event for s in submissions for event in s.events],
                  [s.traceparent for s in submissions for _ in s.events])


async def record_rejected(conn, rejected: JobRejected, attempts: list[JobPlacementAttempted],
                          extra: list[Message] = ()) -> None:
    await conn.execute(
        """UPDATE scheduler.placements
           SET state = 'rejected', reason = $2, attempts = attempts + $3, lease_until = NULL, updated_at = now()
           WHERE job_id = $1""",
        rejected.job_id, f"{rejected.reason}: {rejected.message}", len(attempts),
    )
    await publish(conn, [*attempts, rejected, *extra])


async def keep_queued(conn, placement: asyncpg.Record, reason: str, retry_in_s: float,
                      attempts: list[JobPlacementAttempted], extra: list[Message] = (),
                      excluded: list[Exclusion] = ()) -> None:
    """The job waits in our queue with `reason`, tried again in `retry_in_s`; what this try left out is
    announced when it differs from what was announced last."""
    now = datetime.now(UTC)
    change = transitions.queue_reason_changed(queued(placement), reason, now)
    explained = transitions.exclusions_changed(queued(placement), placement["excluded"], list(excluded), now)
    await conn.execute(
        """UPDATE scheduler.placements
           SET queue_reason = $2, sequence = $3, attempts = attempts + $4, lease_until = NULL,
               next_try_at = now() + make_interval(secs => $5), updated_at = now(),
               excluded = COALESCE($6::jsonb, excluded)
           WHERE job_id = $1""",
        placement["job_id"], reason, change.sequence if change else placement["sequence"], len(attempts), retry_in_s,
        [e.model_dump(mode="json") for e in explained.excluded] if explained else None,
    )
    await publish(conn, [*attempts, *extra, *([change] if change else []), *([explained] if explained else [])])


def queued(placement: asyncpg.Record) -> transitions.Queued:
    return transitions.Queued(placement["job_id"], placement["tenant_id"], placement["sequence"],
                              placement["queue_reason"])


async def cancel_queued(conn, job_id: uuid.UUID) -> bool:
    """Cancel a job still in our queue: it ends STOPPED without reaching a vendor."""
    row = await conn.fetchrow(
        "SELECT * FROM scheduler.placements WHERE job_id = $1 AND state = 'queued' FOR UPDATE", job_id,
    )
    if row is None:
        return False
    change = transitions.cancelled_in_queue(queued(row), datetime.now(UTC))
    await conn.execute(
        """UPDATE scheduler.placements SET state = 'cancelled', sequence = $2,
               cancel_requested_at = $3, lease_until = NULL, updated_at = now() WHERE job_id = $1""",
        job_id, change.sequence, change.observed_at,
    )
    await publish(conn, [change])
    return True


async def set_stop_after(conn, job_id: uuid.UUID, stop_after) -> None:
    """When a running job's funds ran out, the time to stop it (None: funds are back, keep it)."""
    await conn.execute(
        "UPDATE scheduler.placements SET stop_after = $2, updated_at = now() WHERE job_id = $1 AND state = 'submitted'",
        job_id, stop_after,
    )


async def due_for_stop(pool) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT * FROM scheduler.placements WHERE state = 'submitted' AND stop_after <= now() LIMIT 100"
    )


async def record_stop(conn, job_id: uuid.UUID, tenant_id: uuid.UUID, reason: str) -> None:
    await conn.execute(
        "UPDATE scheduler.placements SET stop_after = NULL, updated_at = now() WHERE job_id = $1", job_id,
    )
    await publish(conn, [JobStopRequested(job_id=job_id, tenant_id=tenant_id, reason=reason,
                                          requested_at=datetime.now(UTC))])


async def mark_finished(conn, job_id: uuid.UUID) -> None:
    tenant_id = await conn.fetchval(
        """UPDATE scheduler.placements SET state = 'finished', stop_after = NULL, updated_at = now()
           WHERE job_id = $1 AND state = 'submitted' RETURNING tenant_id""",
        job_id,
    )
    await _freed(conn, tenant_id)


async def _freed(conn, tenant_id: uuid.UUID | None) -> None:
    # What a job frees (its tenant's quota, perhaps capacity) goes to the queue in queue order: every job
    # it may help is due now, so none waits out its retry delay while a later one takes the slot.
    await conn.execute(
        """UPDATE scheduler.placements SET next_try_at = NULL
           WHERE state = 'queued' AND next_try_at IS NOT NULL AND (tenant_id = $1 OR queue_reason <> 'quota')""",
        tenant_id,
    )
    await conn.execute("SELECT pg_notify('scheduler_queue', '')")


async def lost_placement(conn, lost: JobLostOnVendor) -> asyncpg.Record | None:
    """The placement of the vendor job that was lost, locked; None when the job is over already or this
    vendor job was replaced."""
    return await conn.fetchrow(
        """SELECT * FROM scheduler.placements
           WHERE job_id = $1 AND state = 'submitted' AND vendor_job_id = $2 FOR UPDATE""",
        lost.job_id, lost.vendor_job_id,
    )


async def record_loss(conn, lost: JobLostOnVendor, change: JobStateChanged) -> None:
    """Record what became of a lost job (`transitions.after_loss`): failed, or back in the queue, its lost
    vendor remembered (tried last)."""
    if change.to_status is JobStatus.FAILED:
        await conn.execute(
            """UPDATE scheduler.placements SET state = 'finished', sequence = $2, stop_after = NULL,
                   updated_at = now() WHERE job_id = $1""",
            lost.job_id, change.sequence,
        )
    else:
        await conn.execute(
            """UPDATE scheduler.placements
               SET state = 'queued', queue_reason = $2, sequence = $3, resubmits = resubmits + 1,
                   lost_on = array_append(lost_on, $4), vendor = NULL, vendor_job_id = NULL, flavor = NULL,
                   stop_after = NULL, next_try_at = NULL, lease_until = NULL, updated_at = now()
               WHERE job_id = $1""",
            lost.job_id, change.reason, change.sequence, lost.vendor,
        )
    await publish(conn, [change])
    await _freed(conn, lost.tenant_id)


async def placement(pool_or_conn, job_id: uuid.UUID) -> asyncpg.Record | None:
    return await pool_or_conn.fetchrow("SELECT * FROM scheduler.placements WHERE job_id = $1", job_id)


async def record_cancel(conn, job_id: uuid.UUID) -> None:
    await conn.execute(
        "UPDATE scheduler.placements SET cancel_requested_at = $2, updated_at = now() WHERE job_id = $1",
        job_id, datetime.now(UTC),
    )
