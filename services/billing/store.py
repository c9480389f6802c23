"""SQL for the billing schema. Every function runs on the caller's connection and transaction.

Locks are always taken in the same order — metered jobs, then accounts, then packages, then tenant
funds, each by key — so concurrent raters, true-ups, purchases and credits cannot deadlock.
"""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.billing.metering import Kind
from services.billing.packages import Grant, Unit
from services.billing.pricing import Prices

SCHEMA = "billing"


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


_JOB_COLUMNS = """job_id, tenant_id, vendor, flavor, accelerator, count, price_per_minute, vendor_cost_per_minute,
                  state, started_at, finished_at, funds_exhausted_at, minute_base, next_minute, vendor_job_id,
                  submission_sequence, left_vendor_at"""


@dataclass(frozen=True)
class Charge:
    id: uuid.UUID
    job_id: uuid.UUID
    tenant_id: uuid.UUID
    minute: int
    kind: Kind
    amount: int
    shortfall: int
    list_amount: int
    card_seconds: int
    package_id: uuid.UUID | None
    package_value: int
    vendor_cost: int
    reason: str | None
    created_at: datetime
    vendor: str | None = None  # where the minute ran (None on rows booked before runs were recorded)
    flavor: str | None = None


_CHARGE_COLUMNS = """id, job_id, tenant_id, minute, kind, amount, shortfall, list_amount, card_seconds, package_id,
                     package_value, vendor_cost, reason, created_at, vendor, flavor"""


def _charge(row: asyncpg.Record) -> Charge:
    return Charge(**{**dict(row), "kind": Kind(row["kind"])})


@dataclass(frozen=True)
class FundsState:
    tenant_id: uuid.UUID
    last_topup: int
    level: int
    exhausted_at: datetime | None


# --- metered jobs ---------------------------------------------------------------------------------

async def insert_metered_job(conn: asyncpg.Connection, *, job_id: uuid.UUID, tenant_id: uuid.UUID,
                             vendor: str, vendor_job_id: str, flavor: str, accelerator: str, count: int,
                             prices: Prices, price_rule: str, sequence: int, submitted_at: datetime) -> bool:
    """False when the job is already metered (its price stays the one frozen first; a next run
    re-freezes it with start_next_run)."""
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
    """The job was placed again: freeze the new run's price (submitted_at stays the first submission)."""
    await conn.execute(
        """UPDATE billing.metered_jobs
           SET vendor = $2, vendor_job_id = $3, flavor = $4, accelerator = $5, count = $6,
               vendor_price_per_hour = $7, price_per_hour = $8, price_per_minute = $9, vendor_cost_per_minute = $10,
               price_rule = $11, submission_sequence = $12, left_vendor_at = NULL, updated_at = now()
           WHERE job_id = $1 AND state = 'submitted'""",
        job_id, vendor, vendor_job_id, flavor, accelerator, count, prices.vendor_per_hour, prices.sell_per_hour,
        prices.per_minute, prices.vendor_per_minute, price_rule, sequence,
    )


async def lock_jobs(conn: asyncpg.Connection, job_ids: Iterable[uuid.UUID]) -> tuple[dict[uuid.UUID, MeteredJob], datetime]:
    """The jobs' rows locked until the transaction ends, with the database clock (one clock for
    every replica)."""
    rows = await conn.fetch(
        f"""SELECT {_JOB_COLUMNS} FROM billing.metered_jobs WHERE job_id = ANY($1::uuid[])
            ORDER BY job_id FOR UPDATE""",
        sorted(set(job_ids)),
    )
    now = await conn.fetchval("SELECT now()")
    return {row["job_id"]: MeteredJob(**dict(row)) for row in rows}, now


async def lock_job(conn: asyncpg.Connection, job_id: uuid.UUID) -> tuple[MeteredJob, datetime] | None:
    jobs, now = await lock_jobs(conn, [job_id])
    return (jobs[job_id], now) if job_id in jobs else None


async def mark_running(conn: asyncpg.Connection, job_id: uuid.UUID, started_at: datetime) -> None:
    """The run's minute 0 (minute_base) is due at its start: the meter announces it on its next tick."""
    await conn.execute(
        """UPDATE billing.metered_jobs SET state = 'running', started_at = $2, next_minute = minute_base,
               next_minute_at = $2, updated_at = now()
           WHERE job_id = $1""",
        job_id, started_at,
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
    """The run is over (its vendor lost the job): back to waiting, unmetered, with the next run's
    minutes numbered from `minute_base`."""
    await conn.execute(
        """UPDATE billing.metered_jobs
           SET state = 'submitted', started_at = NULL, left_vendor_at = $2, minute_base = $3, next_minute = $3,
               next_minute_at = NULL, updated_at = now()
           WHERE job_id = $1""",
        job_id, left_at, minute_base,
    )


async def advance_due_jobs(conn: asyncpg.Connection, limit: int) -> list[asyncpg.Record]:
    """Move the meter one minute on for every running job whose next minute has started; returns
    (job_id, tenant_id, minute, minute_at) of the minutes announced. Jobs a rater holds are skipped
    and picked up on the next tick."""
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


# --- charges --------------------------------------------------------------------------------------

async def minutes_by_kind(conn: asyncpg.Connection, job_id: uuid.UUID) -> dict[Kind, dict[int, Charge]]:
    """{kind: {minute: charge}} of everything booked for the job so far."""
    booked: dict[Kind, dict[int, Charge]] = {kind: {} for kind in Kind}
    for row in await conn.fetch(f"SELECT {_CHARGE_COLUMNS} FROM billing.charges WHERE job_id = $1", job_id):
        charge = _charge(row)
        booked[charge.kind][charge.minute] = charge
    return booked


async def charged_minutes(conn: asyncpg.Connection, pairs: Sequence[tuple[uuid.UUID, int]]) -> set[tuple[uuid.UUID, int]]:
    """Which of the (job, minute) pairs already have their charge."""
    rows = await conn.fetch(
        """SELECT c.job_id, c.minute FROM billing.charges c
           JOIN unnest($1::uuid[], $2::integer[]) AS p(job_id, minute)
             ON c.job_id = p.job_id AND c.minute = p.minute AND c.kind = 'charge'""",
        [job for job, _ in pairs], [minute for _, minute in pairs],
    )
    return {(row["job_id"], row["minute"]) for row in rows}


CHARGE_FIELDS = ("id", "job_id", "tenant_id", "minute", "kind", "amount", "shortfall", "list_amount",
                 "card_seconds", "package_id", "package_value", "vendor_cost", "reason", "txn_id", "vendor", "flavor")
_CHARGE_TYPES = ("uuid", "uuid", "uuid", "integer", "text", "bigint", "bigint", "bigint", "integer", "uuid",
                 "bigint", "bigint", "text", "uuid", "text", "text")


async def insert_charges(conn: asyncpg.Connection, rows: Sequence[Mapping]) -> None:
    """Insert the charge rows in one statement. A (job, minute, kind) already booked makes the
    statement fail (UNIQUE): callers check first, under the job locks."""
    if not rows:
        return
    columns = [[row[name] for row in rows] for name in CHARGE_FIELDS]
    unnest = ", ".join(f"${i + 1}::{t}[]" for i, t in enumerate(_CHARGE_TYPES))
    await conn.execute(
        f"""INSERT INTO billing.charges ({", ".join(CHARGE_FIELDS)}) SELECT * FROM unnest({unnest})""",
        *columns,
    )


async def insert_draws(conn: asyncpg.Connection, draws: Sequence[tuple[uuid.UUID, uuid.UUID, int, int]]) -> None:
    """(charge_id, package_id, quantity, value) rows."""
    if draws:
        await conn.execute(
            """INSERT INTO billing.package_draws (charge_id, package_id, quantity, value)
               SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::bigint[])""",
            *(list(column) for column in zip(*draws, strict=True)),
        )


async def draws_of(conn: asyncpg.Connection, charge_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[asyncpg.Record]]:
    rows = await conn.fetch(
        """SELECT charge_id, package_id, quantity, value FROM billing.package_draws
           WHERE charge_id = ANY($1::uuid[]) ORDER BY charge_id, package_id""", list(charge_ids))
    out: dict[uuid.UUID, list[asyncpg.Record]] = {}
    for row in rows:
        out.setdefault(row["charge_id"], []).append(row)
    return out


async def get_charge(conn: asyncpg.Connection, charge_id: uuid.UUID) -> Charge | None:
    row = await conn.fetchrow(f"SELECT {_CHARGE_COLUMNS} FROM billing.charges WHERE id = $1", charge_id)
    return _charge(row) if row else None


# --- ledger and accounts --------------------------------------------------------------------------

async def post_ledger_txn(conn: asyncpg.Connection, txn_id: uuid.UUID, postings: Mapping[str, int], *, kind: str,
                          overdraft: int = 0, reference: str | None = None, memo: str | None = None) -> None:
    """Write one ledger transaction and move the account balances with it, one statement each.

    Callers lock the tenant's accounts first (lock_balances), so the one shared account a posting
    touches (cash, revenue, ...) is its last lock. A tenant account takes the configured overdraft;
    the database refuses a balance below it.
    """
    entries = sorted((account, amount) for account, amount in postings.items() if amount != 0)
    if not entries:
        return
    accounts, amounts = [a for a, _ in entries], [m for _, m in entries]
    await conn.execute(
        """INSERT INTO billing.ledger_entries (txn_id, account, amount, kind, reference, memo)
           SELECT $1, a, m, $4, $5, $6 FROM unnest($2::text[], $3::bigint[]) AS e(a, m)""",
        txn_id, accounts, amounts, kind, reference, memo,
    )
    # Create missing accounts first, then move balances: an upsert would check its candidate row
    # (the bare delta) against the overdraft rule before finding the existing account.
    await conn.execute(
        "INSERT INTO billing.accounts (account) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING", accounts)
    await conn.execute(
        """UPDATE billing.accounts a SET balance = a.balance + e.m, updated_at = now(),
               overdraft = CASE WHEN a.account LIKE 'tenant:%' THEN $3 ELSE 0 END
           FROM unnest($1::text[], $2::bigint[]) AS e(name, m) WHERE a.account = e.name""",
        accounts, amounts, overdraft,
    )


async def lock_balances(conn: asyncpg.Connection, accounts: Iterable[str]) -> dict[str, int]:
    """Balances of `accounts` (0 for one never posted to), locked: the row is created if missing."""
    names = sorted(set(accounts))
    await conn.execute(
        "INSERT INTO billing.accounts (account) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING", names)
    rows = await conn.fetch(
        "SELECT account, balance FROM billing.accounts WHERE account = ANY($1::text[]) ORDER BY account FOR UPDATE",
        names)
    return {row["account"]: row["balance"] for row in rows}


async def balance(conn: asyncpg.Connection, account: str) -> int:
    return await conn.fetchval("SELECT balance FROM billing.accounts WHERE account = $1", account) or 0


async def balances(conn: asyncpg.Connection, accounts: list[str]) -> dict[str, int]:
    rows = await conn.fetch("SELECT account, balance FROM billing.accounts WHERE account = ANY($1::text[])", accounts)
    return {row["account"]: row["balance"] for row in rows}


async def balance_at(conn: asyncpg.Connection, account: str, before: datetime) -> int:
    return await conn.fetchval(
        "SELECT coalesce(sum(amount), 0)::bigint FROM billing.ledger_entries WHERE account = $1 AND created_at < $2",
        account, before)


async def ledger_lines(conn: asyncpg.Connection, account: str, start: datetime, end: datetime) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT created_at, kind, amount, reference, memo FROM billing.ledger_entries
           WHERE account = $1 AND created_at >= $2 AND created_at < $3 ORDER BY id""",
        account, start, end)


# --- packages -------------------------------------------------------------------------------------

_GRANT_COLUMNS = "id, unit, accelerator, granted, remaining, price, priority, expires_at, purchased_at"


async def usable_grants_of(conn: asyncpg.Connection, tenant_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Grant]]:
    rows = await conn.fetch(
        f"""SELECT tenant_id, {_GRANT_COLUMNS} FROM billing.packages
            WHERE tenant_id = ANY($1::uuid[]) AND remaining > 0 AND expires_at > now()""", tenant_ids)
    grants: dict[uuid.UUID, list[Grant]] = {tenant_id: [] for tenant_id in tenant_ids}
    for row in rows:
        grants[row["tenant_id"]].append(_grant({k: v for k, v in row.items() if k != "tenant_id"}))
    return grants


def _grant(row) -> Grant:
    return Grant(**{**dict(row), "unit": Unit(row["unit"])})


async def lock_grants(conn: asyncpg.Connection, tenant_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[Grant]]:
    """Each tenant's packages with something left and not yet expired, locked."""
    rows = await conn.fetch(
        f"""SELECT tenant_id, {_GRANT_COLUMNS} FROM billing.packages
            WHERE tenant_id = ANY($1::uuid[]) AND remaining > 0 AND expires_at > now()
            ORDER BY id FOR UPDATE""",
        sorted(set(tenant_ids)))
    grants: dict[uuid.UUID, list[Grant]] = {}
    for row in rows:
        grants.setdefault(row["tenant_id"], []).append(_grant({k: v for k, v in row.items() if k != "tenant_id"}))
    return grants


async def move_packages(conn: asyncpg.Connection, deltas: Mapping[uuid.UUID, int], low: Iterable[uuid.UUID] = ()) -> None:
    """Add `deltas` to the packages' remaining (negative: drawn); mark `low` ones as announced."""
    if deltas:
        await conn.execute(
            """UPDATE billing.packages p SET remaining = p.remaining + d.delta, updated_at = now()
               FROM unnest($1::uuid[], $2::bigint[]) AS d(id, delta) WHERE p.id = d.id""",
            list(deltas), list(deltas.values()))
    low = list(low)
    if low:
        await conn.execute("UPDATE billing.packages SET low_announced_at = now() WHERE id = ANY($1::uuid[])", low)


async def package_rows(conn: asyncpg.Connection, package_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, asyncpg.Record]:
    rows = await conn.fetch("SELECT * FROM billing.packages WHERE id = ANY($1::uuid[])", list(set(package_ids)))
    return {row["id"]: row for row in rows}


async def insert_package(conn: asyncpg.Connection, *, package_id: uuid.UUID, tenant_id: uuid.UUID,
                         offer: asyncpg.Record, expires_at: datetime) -> asyncpg.Record:
    return await conn.fetchrow(
        """INSERT INTO billing.packages (id, tenant_id, offer_id, unit, accelerator, granted, remaining, price,
               priority, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9) RETURNING *""",
        package_id, tenant_id, offer["id"], offer["unit"], offer["accelerator"], offer["quantity"],
        offer["price"], offer["priority"], expires_at)


async def tenant_packages(conn: asyncpg.Connection, tenant_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM billing.packages WHERE tenant_id = $1 ORDER BY expires_at <= now(), priority, expires_at, id",
        tenant_id)


async def claim_expired_packages(conn: asyncpg.Connection, limit: int = 500) -> list[asyncpg.Record]:
    """Expired packages not yet announced, marked as announced (the caller emits the notices)."""
    return await conn.fetch(
        """WITH due AS (SELECT id FROM billing.packages
                        WHERE expired_announced_at IS NULL AND expires_at <= now()
                        ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)
           UPDATE billing.packages p SET expired_announced_at = now() FROM due WHERE p.id = due.id
           RETURNING p.*""",
        limit)


async def insert_offer(conn: asyncpg.Connection, *, offer_id: uuid.UUID, name: str, unit: Unit,
                       accelerator: str | None, quantity: int, price: int, valid_days: int,
                       priority: int) -> asyncpg.Record:
    return await conn.fetchrow(
        """INSERT INTO billing.package_offers (id, name, unit, accelerator, quantity, price, valid_days, priority)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *""",
        offer_id, name, str(unit), accelerator, quantity, price, valid_days, priority)


async def offers(conn: asyncpg.Connection, *, active_only: bool) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM billing.package_offers WHERE active OR NOT $1 ORDER BY created_at, id", active_only)


async def offer(conn: asyncpg.Connection, offer_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM billing.package_offers WHERE id = $1", offer_id)


async def set_offer_active(conn: asyncpg.Connection, offer_id: uuid.UUID, active: bool) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "UPDATE billing.package_offers SET active = $2 WHERE id = $1 RETURNING *", offer_id, active)


# --- funds thresholds -----------------------------------------------------------------------------

async def lock_funds(conn: asyncpg.Connection, tenant_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, FundsState]:
    ids = sorted(set(tenant_ids))
    await conn.execute(
        "INSERT INTO billing.tenant_funds (tenant_id) SELECT unnest($1::uuid[]) ON CONFLICT DO NOTHING", ids)
    rows = await conn.fetch(
        """SELECT tenant_id, last_topup, level, exhausted_at FROM billing.tenant_funds
           WHERE tenant_id = ANY($1::uuid[]) ORDER BY tenant_id FOR UPDATE""", ids)
    return {row["tenant_id"]: FundsState(**dict(row)) for row in rows}


async def save_funds(conn: asyncpg.Connection, states: Iterable[FundsState]) -> None:
    states = list(states)
    if states:
        await conn.execute(
            """UPDATE billing.tenant_funds f SET last_topup = s.last_topup, level = s.level,
                   exhausted_at = s.exhausted_at, updated_at = now()
               FROM unnest($1::uuid[], $2::bigint[], $3::smallint[], $4::timestamptz[])
                    AS s(tenant_id, last_topup, level, exhausted_at)
               WHERE f.tenant_id = s.tenant_id""",
            [s.tenant_id for s in states], [s.last_topup for s in states], [s.level for s in states],
            [s.exhausted_at for s in states])


# --- usage, statements, margins -------------------------------------------------------------------

async def usage(conn: asyncpg.Connection, tenant_id: uuid.UUID, *, job_id: uuid.UUID | None,
                start: datetime | None, end: datetime | None,
                after: tuple[uuid.UUID, int, str] | None, limit: int) -> list[Charge]:
    """A page of charges ordered by (job, minute, kind), strictly after the keyset `after`."""
    rows = await conn.fetch(
        f"""SELECT {_CHARGE_COLUMNS} FROM billing.charges
            WHERE tenant_id = $1 AND ($2::uuid IS NULL OR job_id = $2)
              AND ($3::timestamptz IS NULL OR created_at >= $3) AND ($4::timestamptz IS NULL OR created_at < $4)
              AND ($5::uuid IS NULL OR (job_id, minute, kind) > ($5::uuid, $6::integer, $7::text))
            ORDER BY job_id, minute, kind LIMIT $8""",
        tenant_id, job_id, start, end, *(after or (None, None, None)), limit,
    )
    return [_charge(row) for row in rows]


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
}


async def grouped_usage(conn: asyncpg.Connection, tenant_id: uuid.UUID, group_by: str, *,
                        start: datetime | None, end: datetime | None) -> list[asyncpg.Record]:
    key = GROUP_KEYS[group_by]  # a fixed expression, never caller text
    return await conn.fetch(
        f"""SELECT {key} AS key, sum(c.amount)::bigint AS amount, sum(c.shortfall)::bigint AS shortfall,
                   sum(c.card_seconds)::bigint AS card_seconds, count(*) FILTER (WHERE c.kind = 'charge') AS minutes
            FROM billing.charges c JOIN billing.metered_jobs m USING (job_id)
            WHERE c.tenant_id = $1 AND ($2::timestamptz IS NULL OR c.created_at >= $2)
              AND ($3::timestamptz IS NULL OR c.created_at < $3)
            GROUP BY 1 ORDER BY 1""",
        tenant_id, start, end)


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


async def margins(conn: asyncpg.Connection, start: datetime, end: datetime, by: str) -> list[asyncpg.Record]:
    key = {"vendor": "coalesce(c.vendor, m.vendor)", "tenant": "c.tenant_id::text"}[by]
    return await conn.fetch(
        f"""SELECT {key} AS key, sum(c.amount + c.shortfall + c.package_value)::bigint AS revenue,
                   sum(c.list_amount)::bigint AS list_amount, sum(c.vendor_cost)::bigint AS vendor_cost,
                   (count(*) FILTER (WHERE c.kind = 'charge') - count(*) FILTER (WHERE c.kind = 'refund'))::int AS minutes
            FROM billing.charges c JOIN billing.metered_jobs m USING (job_id)
            WHERE c.created_at >= $1 AND c.created_at < $2
            GROUP BY 1 ORDER BY 1""",
        start, end)


# --- price book, idempotency, audit ---------------------------------------------------------------

async def current_price_book(conn: asyncpg.Connection) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT version, document, actor, created_at FROM billing.price_books ORDER BY version DESC LIMIT 1")


async def insert_price_book(conn: asyncpg.Connection, document: dict, actor: str) -> asyncpg.Record:
    return await conn.fetchrow(
        "INSERT INTO billing.price_books (document, actor) VALUES ($1, $2) RETURNING version, document, actor, created_at",
        document, actor)


async def claim_idempotency_key(conn: asyncpg.Connection, scope: str, key: str, fingerprint: str) -> asyncpg.Record | None:
    """None when the key is new (the caller then stores its reply); else the stored reply, locked."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || $2, 0))", scope, key)
    return await conn.fetchrow(
        "SELECT fingerprint, status, response FROM billing.idempotency_keys WHERE scope = $1 AND key = $2",
        scope, key)


async def store_idempotent_reply(conn: asyncpg.Connection, scope: str, key: str, fingerprint: str,
                                 status: int, response: dict) -> None:
    await conn.execute(
        """INSERT INTO billing.idempotency_keys (scope, key, fingerprint, status, response)
           VALUES ($1, $2, $3, $4, $5)""",
        scope, key, fingerprint, status, response)


async def forget_idempotency_keys(conn: asyncpg.Connection, older_than_h: float) -> int:
    result = await conn.execute(
        "DELETE FROM billing.idempotency_keys WHERE created_at < now() - $1 * interval '1 hour'", older_than_h)
    return int(result.split()[-1])


async def audit(conn: asyncpg.Connection, *, actor: str, action: str, tenant_id: uuid.UUID | None,
                subject: str | None, details: dict) -> None:
    await conn.execute(
        "INSERT INTO billing.audit_log (actor, action, tenant_id, subject, details) VALUES ($1, $2, $3, $4, $5)",
        actor, action, tenant_id, subject, details)


async def audit_trail(conn: asyncpg.Connection, tenant_id: uuid.UUID | None, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT id, actor, action, tenant_id, subject, details, created_at FROM billing.audit_log
           WHERE $1::uuid IS NULL OR tenant_id = $1 ORDER BY id DESC LIMIT $2""", tenant_id, limit)
