"""Reads for reports: a tenant's usage (pages, totals, groups), its statement's ledger lines and
usage lines, and the operator's margins."""

import uuid
from datetime import datetime

import asyncpg

from services.billing.store.charges import COLUMNS as CHARGE_COLUMNS
from services.billing.store.charges import Charge, from_row


async def usage(conn: asyncpg.Connection, tenant_id: uuid.UUID, *, job_id: uuid.UUID | None,
                start: datetime | None, end: datetime | None,
                after: tuple[uuid.UUID, int, str] | None, limit: int) -> list[Charge]:
    """A page of charges ordered by (job, minute, kind), strictly after the keyset `after`."""
    rows = await conn.fetch(
        f"""SELECT {CHARGE_COLUMNS} FROM billing.charges
            WHERE tenant_id = $1 AND ($2::uuid IS NULL OR job_id = $2)
              AND ($3::timestamptz IS NULL OR created_at >= $3) AND ($4::timestamptz IS NULL OR created_at < $4)
              AND ($5::uuid IS NULL OR (job_id, minute, kind) > ($5::uuid, $6::integer, $7::text))
            ORDER BY job_id, minute, kind LIMIT $8""",
        tenant_id, job_id, start, end, *(after or (None, None, None)), limit,
    )
    return [from_row(row) for row in rows]


async def usage_total(conn: asyncpg.Connection, tenant_id: uuid.UUID, *, job_id: uuid.UUID | None,
                      start: datetime | None, end: datetime | None) -> int:
    return await conn.fetchval(
        """SELECT coalesce(sum(amount), 0)::bigint FROM billing.charges
           WHERE tenant_id = $1 AND ($2::uuid IS NULL OR job_id = $2)
             AND ($3::timestamptz IS NULL OR created_at >= $3) AND ($4::timestamptz IS NULL OR created_at < $4)""",
        tenant_id, job_id, start, end,
    )


GROUP_KEYS = {
    "job": "c.job_id::text",
    "day": "to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
    "vendor": "coalesce(c.vendor, m.vendor)",  # the run's vendor; the job's for rows from before runs
    "accelerator": "m.accelerator",
    # A flavor's name is the vendor's own, so two vendors may share one: the key names both.
    "flavor": "coalesce(c.vendor, m.vendor) || '/' || coalesce(c.flavor, m.flavor)",
}


async def grouped_usage(conn: asyncpg.Connection, tenant_id: uuid.UUID, group_by: str, *,
                        start: datetime | None, end: datetime | None,
                        job_id: uuid.UUID | None = None) -> list[asyncpg.Record]:
    key = GROUP_KEYS[group_by]  # a fixed expression, never caller text
    return await conn.fetch(
        f"""SELECT {key} AS key, sum(c.amount)::bigint AS amount, sum(c.shortfall)::bigint AS shortfall,
                   sum(c.card_seconds)::bigint AS card_seconds, count(*) FILTER (WHERE c.kind = 'charge') AS minutes
            FROM billing.charges c JOIN billing.metered_jobs m USING (job_id)
            WHERE c.tenant_id = $1 AND ($2::timestamptz IS NULL OR c.created_at >= $2)
              AND ($3::timestamptz IS NULL OR c.created_at < $3) AND ($4::uuid IS NULL OR c.job_id = $4)
            GROUP BY 1 ORDER BY 1""",
        tenant_id, start, end, job_id)


# --- statements -----------------------------------------------------------------------------------

async def balance_at(conn: asyncpg.Connection, account: str, before: datetime) -> int:
    return await conn.fetchval(
        "SELECT coalesce(sum(amount), 0)::bigint FROM billing.ledger_entries WHERE account = $1 AND created_at < $2",
        account, before)


async def ledger_lines(conn: asyncpg.Connection, account: str, start: datetime, end: datetime) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT created_at, kind, amount, reference, memo FROM billing.ledger_entries
           WHERE account = $1 AND created_at >= $2 AND created_at < $3 ORDER BY id""",
        account, start, end)


async def job_usage(conn: asyncpg.Connection, tenant_id: uuid.UUID, start: datetime, end: datetime) -> list[asyncpg.Record]:
    """Per job and flavor it ran on (a job placed again may have run on several), the charges and
    refunds booked in [start, end) (voids are ledger lines of their own)."""
    return await conn.fetch(
        """SELECT c.job_id, coalesce(c.vendor, m.vendor) AS vendor, coalesce(c.flavor, m.flavor) AS flavor,
                  m.accelerator, min(c.created_at) AS first_at,
                  (count(*) FILTER (WHERE c.kind = 'charge') - count(*) FILTER (WHERE c.kind = 'refund'))::int AS minutes,
                  sum(c.card_seconds)::bigint AS card_seconds, sum(c.amount)::bigint AS amount,
                  sum(c.shortfall)::bigint AS shortfall,
                  coalesce(sum(d.quantity) FILTER (WHERE p.unit = 'card_seconds'), 0)::bigint AS package_card_seconds
           FROM billing.charges c JOIN billing.metered_jobs m USING (job_id)
           LEFT JOIN billing.package_draws d ON d.charge_id = c.id
           LEFT JOIN billing.packages p ON p.id = d.package_id
           WHERE c.tenant_id = $1 AND c.kind IN ('charge', 'refund') AND c.created_at >= $2 AND c.created_at < $3
           GROUP BY 1, 2, 3, 4 ORDER BY first_at""",
        tenant_id, start, end)


# --- margins --------------------------------------------------------------------------------------

MARGIN_KEYS = {"vendor": "coalesce(c.vendor, m.vendor)", "tenant": "c.tenant_id::text"}


async def margins_by_day(conn: asyncpg.Connection, start: datetime, end: datetime) -> list[asyncpg.Record]:
    """Revenue, list amount, vendor cost and minutes per UTC day and vendor, oldest day first."""
    return await conn.fetch(
        """SELECT (c.created_at AT TIME ZONE 'UTC')::date AS day, coalesce(c.vendor, m.vendor) AS key,
                  sum(c.amount + c.shortfall + c.package_value)::bigint AS revenue,
                  sum(c.list_amount)::bigint AS list_amount, sum(c.vendor_cost)::bigint AS vendor_cost,
                  (count(*) FILTER (WHERE c.kind = 'charge') - count(*) FILTER (WHERE c.kind = 'refund'))::int AS minutes
           FROM billing.charges c JOIN billing.metered_jobs m USING (job_id)
           WHERE c.created_at >= $1 AND c.created_at < $2
           GROUP BY 1, 2 ORDER BY 1, 2""",
        start, end)


async def margins(conn: asyncpg.Connection, start: datetime, end: datetime, by: str) -> list[asyncpg.Record]:
    key = MARGIN_KEYS[by]  # a fixed expression, never caller text
    return await conn.fetch(
        f"""SELECT {key} AS key, sum(c.amount + c.shortfall + c.package_value)::bigint AS revenue,
                   sum(c.list_amount)::bigint AS list_amount, sum(c.vendor_cost)::bigint AS vendor_cost,
                   (count(*) FILTER (WHERE c.kind = 'charge') - count(*) FILTER (WHERE c.kind = 'refund'))::int AS minutes
            FROM billing.charges c JOIN billing.metered_jobs m USING (job_id)
            WHERE c.created_at >= $1 AND c.created_at < $2
            GROUP BY 1 ORDER BY 1""",
        start, end)
