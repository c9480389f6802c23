"""Charges (one row per job, minute and kind: charge, refund or void) and the package draws each made."""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.billing.metering import Kind


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


COLUMNS = """id, job_id, tenant_id, minute, kind, amount, shortfall, list_amount, card_seconds, package_id,
             package_value, vendor_cost, reason, created_at, vendor, flavor"""


def from_row(row: asyncpg.Record) -> Charge:
    return Charge(**{**dict(row), "kind": Kind(row["kind"])})


async def minutes_by_kind(conn: asyncpg.Connection, job_id: uuid.UUID) -> dict[Kind, dict[int, Charge]]:
    """{kind: {minute: charge}} of everything booked for the job so far."""
    booked: dict[Kind, dict[int, Charge]] = {kind: {} for kind in Kind}
    for row in await conn.fetch(f"SELECT {COLUMNS} FROM billing.charges WHERE job_id = $1", job_id):
        charge = from_row(row)
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


FIELDS = ("id", "job_id", "tenant_id", "minute", "kind", "amount", "shortfall", "list_amount",
          "card_seconds", "package_id", "package_value", "vendor_cost", "reason", "txn_id", "vendor", "flavor")
_TYPES = ("uuid", "uuid", "uuid", "integer", "text", "bigint", "bigint", "bigint", "integer", "uuid",
          "bigint", "bigint", "text", "uuid", "text", "text")
_INSERT = (f"INSERT INTO billing.charges ({', '.join(FIELDS)}) SELECT * FROM unnest("
           + ", ".join(f"${i + 1}::{t}[]" for i, t in enumerate(_TYPES)) + ")")


def empty_columns() -> dict[str, list]:
    """Charge rows as columns: one list per FIELDS name, the same length each."""
    return {name: [] for name in FIELDS}


async def insert_columns(conn: asyncpg.Connection, columns: Mapping[str, Sequence]) -> None:
    """Insert the charge rows given as columns (see empty_columns) in one statement. A (job, minute, kind)
    already booked makes the statement fail (UNIQUE): callers check first, under the job locks."""
    if columns["id"]:
        await conn.execute(_INSERT, *(columns[name] for name in FIELDS))


async def insert(conn: asyncpg.Connection, rows: Sequence[Mapping]) -> None:
    """insert_columns for rows given as dicts keyed by FIELDS."""
    if rows:
        await insert_columns(conn, {name: [row[name] for row in rows] for name in FIELDS})


async def insert_draws(conn: asyncpg.Connection,
                       draws: Sequence[tuple[uuid.UUID | str, uuid.UUID, int, int]]) -> None:
    """(charge_id, package_id, quantity, value) rows (a charge id as a UUID or its text)."""
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


async def get(conn: asyncpg.Connection, charge_id: uuid.UUID) -> Charge | None:
    row = await conn.fetchrow(f"SELECT {COLUMNS} FROM billing.charges WHERE id = $1", charge_id)
    return from_row(row) if row else None
