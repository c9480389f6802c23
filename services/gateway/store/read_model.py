"""The read model: jobs and their events as the other services announce them (jobs.events, billing.events),
applied inside the consumer's transaction."""

from contracts.events import (
    JobEndpointsChanged, JobExclusionsChanged, JobLostOnVendor, JobPlacementAttempted, JobRejected, JobStateChanged,
    JobStopRequested, JobSubmitted, UsageCharged,
)
from contracts.status import JobStatus
from services.gateway.store import logs


async def apply_submitted(conn, event: JobSubmitted) -> None:
    await conn.execute(
        """UPDATE gateway.jobs SET vendor = $2, vendor_job_id = $3, flavor = $4, queue_reason = NULL,
               excluded = '[]', updated_at = now()
           WHERE id = $1""",
        event.job_id, event.vendor, event.vendor_job_id, event.flavor,
    )


async def apply_exclusions(conn, event: JobExclusionsChanged) -> None:
    """What the latest try of a queued job left out (an older try arriving late changes nothing)."""
    await conn.execute(
        """UPDATE gateway.jobs SET excluded = $2, excluded_at = $3, updated_at = now()
           WHERE id = $1 AND (excluded_at IS NULL OR excluded_at < $3)""",
        event.job_id, [e.model_dump(mode="json") for e in event.excluded], event.tried_at,
    )


async def apply_stop_requested(conn, event: JobStopRequested) -> None:
    await conn.execute("UPDATE gateway.jobs SET stop_reason = $2, updated_at = now() WHERE id = $1",
                       event.job_id, event.reason)
    await _append_event(conn, event.job_id, None, None, None, event.reason, None, event.requested_at, type_="stop")


async def apply_attempt(conn, event: JobPlacementAttempted) -> None:
    await _append_event(conn, event.job_id, None, None, None, event.message, None, event.attempted_at,
                        type_="attempt", detail={"attempt": event.attempt, "vendor": event.vendor,
                                                 "flavor": event.flavor, "outcome": event.outcome})


async def apply_endpoints(conn, event: JobEndpointsChanged) -> None:
    """The job's endpoints as last observed (an older observation arriving late changes nothing)."""
    await conn.execute(
        """UPDATE gateway.jobs SET endpoints = $2, endpoints_observed_at = $3, updated_at = now()
           WHERE id = $1 AND (endpoints_observed_at IS NULL OR endpoints_observed_at < $3)""",
        event.job_id, [endpoint.model_dump(mode="json") for endpoint in event.endpoints], event.observed_at,
    )


async def apply_lost(conn, event: JobLostOnVendor) -> None:
    # A job its vendor lost answers there no more; if it is placed again, its next vendor announces its own.
    await conn.execute(
        """UPDATE gateway.jobs SET endpoints = '[]', endpoints_observed_at = $2, updated_at = now()
           WHERE id = $1 AND endpoints <> '[]' AND (endpoints_observed_at IS NULL OR endpoints_observed_at < $2)""",
        event.job_id, event.observed_at,
    )
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
    if event.to_status.is_terminal and event.vendor_job_id is not None:
        await logs.queue_capture(conn, event.job_id)  # its output is kept before the vendor drops it


async def _append_event(conn, job_id, from_status, to_status, raw_status, reason, vendor_time, observed_at,
                        *, type_: str = "state", detail: dict | None = None) -> None:
    await conn.execute(
        """INSERT INTO gateway.job_events
               (job_id, position, from_status, to_status, raw_status, reason, vendor_time, observed_at, type, detail)
           SELECT $1, COALESCE(max(position), -1) + 1, $2, $3, $4, $5, $6, $7, $8, $9
           FROM gateway.job_events WHERE job_id = $1""",
        job_id, from_status, to_status, raw_status, reason, vendor_time, observed_at, type_, detail,
    )


async def apply_usage(conn, event: UsageCharged) -> None:
    await conn.execute("UPDATE gateway.jobs SET cost = cost + $2, updated_at = now() WHERE id = $1",
                       event.job_id, event.amount)
