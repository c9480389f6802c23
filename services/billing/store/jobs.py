"""Metered jobs: one row per job, its frozen price, its current run and the meter's position in it.
Locking them is store/locks.py's."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.billing.pricing import Prices


@dataclass(frozen=True)
class MeteredJob:
    job_id: uuid.UUID
    tenant_id: uuid.UUID
    vendor: str
    flavor: str
    accelerator: str
    count: int
    price_per_minute: int
    vendor_cost_per_minute: int
    state: str
    started_at: datetime | None
    finished_at: datetime | None
    funds_exhausted_at: datetime | None
    # The current run (a job its vendor lost is placed again; see runs.py).
    minute_base: int = 0  # minute k of the run is minute_base + k
    next_minute: int = 0  # the meter's position: every minute below it may have been announced
    vendor_job_id: str | None = None
    submission_sequence: int = 0
    left_vendor_at: datetime | None = None  # set while waiting for the next run

    @property
    def waiting(self) -> bool:
        return self.left_vendor_at is not None


COLUMNS = """job_id, tenant_id, vendor, flavor, accelerator, count, price_per_minute, vendor_cost_per_minute,
             state, started_at, finished_at, funds_exhausted_at, minute_base, next_minute, vendor_job_id,
             submission_sequence, left_vendor_at"""


async def insert(conn: asyncpg.Connection, *, job_id: uuid.UUID, tenant_id: uuid.UUID, vendor: str,
                 vendor_job_id: str, flavor: str, accelerator: str, count: int, prices: Prices, price_rule: str,
                 sequence: int, submitted_at: datetime) -> bool:
    """False when the job is already metered (the row stays as it is)."""
    return bool(await conn.fetchval(
        """INSERT INTO billing.metered_jobs (job_id, tenant_id, vendor, flavor, accelerator, count,
               vendor_price_per_hour, price_per_hour, price_per_minute, vendor_cost_per_minute, price_rule,
               submitted_at, vendor_job_id, submission_sequence)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
           ON CONFLICT (job_id) DO NOTHING RETURNING true""",
        job_id, tenant_id, vendor, flavor, accelerator, count, prices.vendor_per_hour, prices.sell_per_hour,
        prices.per_minute, prices.vendor_per_minute, price_rule, submitted_at, vendor_job_id, sequence,
    ))


async def start_next_run(conn: asyncpg.Connection, *, job_id: uuid.UUID, vendor: str, vendor_job_id: str,
                         flavor: str, accelerator: str, count: int, prices: Prices, price_rule: str,
                         sequence: int) -> None:
    """Freeze the new run's price and vendor job (submitted_at stays the first submission's)."""
    await conn.execute(
        """UPDATE billing.metered_jobs
           SET vendor = $2, vendor_job_id = $3, flavor = $4, accelerator = $5, count = $6,
               vendor_price_per_hour = $7, price_per_hour = $8, price_per_minute = $9, vendor_cost_per_minute = $10,
               price_rule = $11, submission_sequence = $12, left_vendor_at = NULL, updated_at = now()
           WHERE job_id = $1""",
        job_id, vendor, vendor_job_id, flavor, accelerator, count, prices.vendor_per_hour, prices.sell_per_hour,
        prices.per_minute, prices.vendor_per_minute, price_rule, sequence,
    )


async def mark_running(conn: asyncpg.Connection, job_id: uuid.UUID, *, started_at: datetime, next_minute: int,
                       next_minute_at: datetime) -> None:
    """Running from `started_at`; the meter announces `next_minute` once `next_minute_at` has passed."""
    await conn.execute(
        """UPDATE billing.metered_jobs SET state = 'running', started_at = $2, next_minute = $3,
               next_minute_at = $4, updated_at = now()
           WHERE job_id = $1""",
        job_id, started_at, next_minute, next_minute_at,
    )


async def mark_finished(conn: asyncpg.Connection, job_id: uuid.UUID, *, status: str,
                        started_at: datetime | None, finished_at: datetime) -> None:
    await conn.execute(
        """UPDATE billing.metered_jobs
           SET state = 'finished', final_status = $2, started_at = $3, finished_at = $4, updated_at = now()
           WHERE job_id = $1""",
        job_id, status, started_at, finished_at,
    )


async def mark_left_vendor(conn: asyncpg.Connection, job_id: uuid.UUID, *, left_at: datetime,
                           minute_base: int) -> None:
    """Back to waiting, unmetered, with the next run's minutes numbered from `minute_base`."""
    await conn.execute(
        """UPDATE billing.metered_jobs
           SET state = 'submitted', started_at = NULL, left_vendor_at = $2, minute_base = $3, next_minute = $3,
               next_minute_at = NULL, updated_at = now()
           WHERE job_id = $1""",
        job_id, left_at, minute_base,
    )


async def advance_due(conn: asyncpg.Connection, limit: int) -> list[asyncpg.Record]:
    """Move the meter one minute on for every running job whose next minute has started; returns
    (job_id, tenant_id, minute, minute_at) of the minutes announced. Jobs a rater holds are skipped
    (SKIP LOCKED: the meter never waits for a lock) and picked up on the next tick."""
    return await conn.fetch(
        """WITH due AS (
               SELECT job_id FROM billing.metered_jobs
               WHERE state = 'running' AND next_minute_at <= now()
               ORDER BY next_minute_at LIMIT $1 FOR UPDATE SKIP LOCKED)
           UPDATE billing.metered_jobs m
              SET next_minute = m.next_minute + 1, next_minute_at = m.next_minute_at + interval '1 minute'
             FROM due WHERE m.job_id = due.job_id
           RETURNING m.job_id, m.tenant_id, m.next_minute - 1 AS minute,
                     m.next_minute_at - interval '1 minute' AS minute_at""",
        limit,
    )


async def set_funds_exhausted(conn: asyncpg.Connection, changes: Mapping[uuid.UUID, datetime | None]) -> None:
    if changes:
        await conn.execute(
            """UPDATE billing.metered_jobs m SET funds_exhausted_at = c.at
               FROM unnest($1::uuid[], $2::timestamptz[]) AS c(job_id, at) WHERE m.job_id = c.job_id""",
            list(changes), list(changes.values()),
        )
