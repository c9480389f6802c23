"""Billing's two clocks, each pass one unit of work: the meter (announces every minute that starts on
a running job) and housekeeping (announces expired packages, forgets old Idempotency-Keys)."""

import asyncio

import asyncpg

from contracts.billing import BILLING_USAGE, UsageMinute
from contracts.billing_events import PackageExpired
from contracts.topics import BILLING_EVENTS
from services.billing import packages, store
from services.billing.rating import SOURCE
from services.billing.store import SCHEMA
from services.common.logs import log
from services.common.outbox import enqueue_many
from services.common.unit_of_work import unit_of_work

# --- the meter ------------------------------------------------------------------------------------

async def meter(pool: asyncpg.Pool, limit: int = 5000) -> int:
    """Announce every minute that has started on a running job: one UsageMinute each, once (the
    meter's position moves in the same unit of work as the outbox rows)."""
    total = 0
    while True:
        async with unit_of_work(pool) as conn:
            due = await store.jobs.advance_due(conn, limit)
            await enqueue_many(conn, SCHEMA, [
                (BILLING_USAGE, UsageMinute(job_id=r["job_id"], tenant_id=r["tenant_id"], minute=r["minute"],
                                            minute_at=r["minute_at"])) for r in due
            ], source=SOURCE, key_by_tenant=True)
        total += len(due)
        if not due:  # a job many minutes behind moves one minute per pass: go round until none is due
            return total


async def metering_loop(pool: asyncpg.Pool, tick_s: float) -> None:
    while True:
        announced = await meter(pool)
        if announced:
            log.debug("billing.metered", minutes=announced)
        await asyncio.sleep(tick_s)


# --- housekeeping ---------------------------------------------------------------------------------

def expired_notice(package) -> PackageExpired:
    """The notice for a package row just claimed as expired."""
    unit = packages.Unit(package["unit"])
    return PackageExpired(
        tenant_id=package["tenant_id"], occurred_at=package["expired_announced_at"], package_id=package["id"],
        accelerator=package["accelerator"], unit=packages.api_unit(unit),
        granted=packages.micro_quantity(unit, package["granted"]),
        remaining=packages.micro_quantity(unit, package["remaining"]), expired_at=package["expires_at"])


async def housekeeping(pool: asyncpg.Pool, idempotency_ttl_h: float) -> tuple[int, int]:
    """Announce expired packages (once each) and forget idempotency keys past their retention."""
    async with unit_of_work(pool) as conn:
        expired = await store.packages.claim_expired(conn)
        await enqueue_many(conn, SCHEMA, [(BILLING_EVENTS, expired_notice(p)) for p in expired], source=SOURCE)
        forgotten = await store.idempotency.forget_older_than(conn, idempotency_ttl_h)
    return len(expired), forgotten


async def housekeeping_loop(pool: asyncpg.Pool, interval_s: float, idempotency_ttl_h: float) -> None:
    while True:
        expired, forgotten = await housekeeping(pool, idempotency_ttl_h)
        if expired or forgotten:
            log.info("billing.housekeeping", packages_expired=expired, idempotency_keys_forgotten=forgotten)
        await asyncio.sleep(interval_s)
