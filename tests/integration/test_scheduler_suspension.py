"""A suspended tenant's queued jobs are not claimed by the dispatcher, and are again once it is resumed
(`store.set_status`, applied from `TenantStatusSet`), on the real PostgreSQL."""

import uuid
from datetime import UTC, datetime, timedelta

from contracts.events import TenantLimitsSet, TenantStatusSet
from services.scheduler import store
from services.scheduler.fair_share import Queued
from tests.integration.test_scheduler_queue_order import T0, queue


async def set_status(pool, tenant_id, status, at):
    async with pool.acquire() as conn:
        await store.set_status(conn, TenantStatusSet(tenant_id=tenant_id, status=status, set_at=at))


async def test_a_suspended_tenants_jobs_wait_and_are_claimed_after_the_resume(pool):
    await pool.execute("DELETE FROM scheduler.placements")
    held, other = uuid.uuid4(), uuid.uuid4()
    await queue(pool, [Queued(uuid.uuid4(), held, 1, T0), Queued(uuid.uuid4(), other, 1, T0 + timedelta(seconds=1))])
    now = datetime.now(UTC)
    await set_status(pool, held, "suspended", now)

    assert [r["tenant_id"] for r in await store.claim_due(pool, 10, 60.0)] == [other]
    assert await store.claim_due(pool, 10, 60.0) == []

    await set_status(pool, held, "active", now + timedelta(seconds=1))
    assert [r["tenant_id"] for r in await store.claim_due(pool, 10, 60.0)] == [held]


async def test_an_older_status_never_undoes_a_newer_one_and_limits_keep_the_suspension(pool):
    await pool.execute("DELETE FROM scheduler.placements")
    tenant = uuid.uuid4()
    await queue(pool, [Queued(uuid.uuid4(), tenant, 1, T0)])
    now = datetime.now(UTC)
    await set_status(pool, tenant, "suspended", now)
    await set_status(pool, tenant, "active", now - timedelta(seconds=1))  # replayed, older
    async with pool.acquire() as conn:
        await store.set_limits(conn, TenantLimitsSet(tenant_id=tenant, max_concurrent_jobs=2, set_at=now))
    assert await store.claim_due(pool, 10, 60.0) == []
