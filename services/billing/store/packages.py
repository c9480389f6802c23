"""Packages (what tenants bought, and what is left of each) and the offers they are bought from.
Locking a tenant's packages is store/locks.py's."""

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime

import asyncpg

from services.billing.packages import Grant, Unit

GRANT_COLUMNS = "id, unit, accelerator, granted, remaining, price, priority, expires_at, purchased_at"
# A package can pay a minute while something is left and it has not expired.
USABLE = "remaining > 0 AND expires_at > now()"


def grants_by_tenant(rows: Iterable[asyncpg.Record]) -> dict[uuid.UUID, list[Grant]]:
    """Rows of (tenant_id, GRANT_COLUMNS...) as each tenant's grants."""
    grants: dict[uuid.UUID, list[Grant]] = {}
    for row in rows:
        values = dict(row)
        tenant_id = values.pop("tenant_id")
        grants.setdefault(tenant_id, []).append(Grant(**{**values, "unit": Unit(values["unit"])}))
    return grants


async def usable_grants(conn: asyncpg.Connection, tenant_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Grant]]:
    """Each tenant's usable packages, unlocked (every tenant asked for is in the answer)."""
    rows = await conn.fetch(
        f"""SELECT tenant_id, {GRANT_COLUMNS} FROM billing.packages
            WHERE tenant_id = ANY($1::uuid[]) AND {USABLE}""", tenant_ids)
    return {tenant_id: [] for tenant_id in tenant_ids} | grants_by_tenant(rows)


async def move(conn: asyncpg.Connection, deltas: Mapping[uuid.UUID, int], low: Iterable[uuid.UUID] = ()) -> None:
    """Add `deltas` to the packages' remaining (negative: drawn); mark `low` ones as announced."""
    if deltas:
        await conn.execute(
            """UPDATE billing.packages p SET remaining = p.remaining + d.delta, updated_at = now()
               FROM unnest($1::uuid[], $2::bigint[]) AS d(id, delta) WHERE p.id = d.id""",
            list(deltas), list(deltas.values()))
    low = list(low)
    if low:
        await conn.execute("UPDATE billing.packages SET low_announced_at = now() WHERE id = ANY($1::uuid[])", low)


async def rows_of(conn: asyncpg.Connection, package_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, asyncpg.Record]:
    rows = await conn.fetch("SELECT * FROM billing.packages WHERE id = ANY($1::uuid[])", list(set(package_ids)))
    return {row["id"]: row for row in rows}


async def insert(conn: asyncpg.Connection, *, package_id: uuid.UUID, tenant_id: uuid.UUID,
                 offer: asyncpg.Record, expires_at: datetime) -> asyncpg.Record:
    return await conn.fetchrow(
        """INSERT INTO billing.packages (id, tenant_id, offer_id, unit, accelerator, granted, remaining, price,
               priority, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9) RETURNING *""",
        package_id, tenant_id, offer["id"], offer["unit"], offer["accelerator"], offer["quantity"],
        offer["price"], offer["priority"], expires_at)


async def of_tenant(conn: asyncpg.Connection, tenant_id: uuid.UUID) -> list[asyncpg.Record]:
    """Every package of the tenant, the live ones first in consumption order."""
    return await conn.fetch(
        "SELECT * FROM billing.packages WHERE tenant_id = $1 ORDER BY expires_at <= now(), priority, expires_at, id",
        tenant_id)


async def page_of_tenant(conn: asyncpg.Connection, tenant_id: uuid.UUID, *, limit: int,
                         before: tuple[datetime, uuid.UUID] | None = None) -> list[asyncpg.Record]:
    """The tenant's packages newest first, keyset-paginated on (purchased_at, id): `before` is the last row of
    the previous page."""
    return await conn.fetch(
        """SELECT * FROM billing.packages WHERE tenant_id = $1
             AND ($2::timestamptz IS NULL OR (purchased_at, id) < ($2, $3))
           ORDER BY purchased_at DESC, id DESC LIMIT $4""",
        tenant_id, *(before or (None, None)), limit)


async def claim_expired(conn: asyncpg.Connection, limit: int = 500) -> list[asyncpg.Record]:
    """Expired packages not yet announced, marked as announced (the caller emits the notices).
    SKIP LOCKED: packages a writer holds are left for the next sweep."""
    return await conn.fetch(
        """WITH due AS (SELECT id FROM billing.packages
                        WHERE expired_announced_at IS NULL AND expires_at <= now()
                        ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)
           UPDATE billing.packages p SET expired_announced_at = now() FROM due WHERE p.id = due.id
           RETURNING p.*""",
        limit)


# --- offers ---------------------------------------------------------------------------------------

async def insert_offer(conn: asyncpg.Connection, *, offer_id: uuid.UUID, name: str, unit: Unit,
                       accelerator: str | None, quantity: int, price: int, valid_days: int,
                       priority: int) -> asyncpg.Record:
    return await conn.fetchrow(
        """INSERT INTO billing.package_offers (id, name, unit, accelerator, quantity, price, valid_days, priority)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *""",
        offer_id, name, str(unit), accelerator, quantity, price, valid_days, priority)


async def offers(conn: asyncpg.Connection, *, active_only: bool, limit: int | None = None,
                 before: tuple[datetime, uuid.UUID] | None = None) -> list[asyncpg.Record]:
    """Newest first, keyset-paginated on (created_at, id) when given a `limit` (all of them without one)."""
    return await conn.fetch(
        """SELECT * FROM billing.package_offers WHERE (active OR NOT $1)
             AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3))
           ORDER BY created_at DESC, id DESC LIMIT $4""",
        active_only, *(before or (None, None)), limit)


async def offer(conn: asyncpg.Connection, offer_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM billing.package_offers WHERE id = $1", offer_id)


async def set_offer_active(conn: asyncpg.Connection, offer_id: uuid.UUID, active: bool) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "UPDATE billing.package_offers SET active = $2 WHERE id = $1 RETURNING *", offer_id, active)
