"""What a queued job's start estimate reads from the gateway's read model on the real PostgreSQL: the jobs open
on a vendor, each flavor's typical run time, and the queued jobs ahead."""

import uuid
from datetime import UTC, datetime, timedelta

from services.gateway.store import jobs as job_store

T0 = datetime(2026, 12, 1, tzinfo=UTC)


async def tenant(pool) -> uuid.UUID:
    tenant_id = uuid.uuid4()
    await pool.execute("INSERT INTO gateway.tenants (id, name) VALUES ($1, 'team')", tenant_id)
    return tenant_id


async def job(pool, tenant_id, *, status="QUEUED", queue_reason=None, vendor=None, flavor=None, minute=0,
              ran_minutes=None, accelerator="ascend-910b", max_runtime_s=None):
    spec = {"resources": {"accelerator": accelerator, "count": 1}}
    if max_runtime_s is not None:
        spec["max_runtime_s"] = max_runtime_s
    created = T0 + timedelta(minutes=minute)
    started = created if ran_minutes is not None or status == "RUNNING" else None
    finished = created + timedelta(minutes=ran_minutes) if ran_minutes is not None else None
    return await pool.fetchrow(
        """INSERT INTO gateway.jobs (id, tenant_id, kind, name, spec, status, created_at, updated_at, queue_reason,
                                     vendor, flavor, started_at, finished_at)
           VALUES ($1, $2, 'training', 'n', $3::jsonb, $4, $5, $5, $6, $7, $8, $9, $10) RETURNING *""",
        uuid.uuid4(), tenant_id, spec, status, created, queue_reason, vendor, flavor, started, finished,
    )


async def test_a_flavors_typical_run_time_is_the_median_of_its_ended_runs(pool):
    await pool.execute("DELETE FROM gateway.jobs")
    a = await tenant(pool)
    for n, ran in enumerate([10, 20, 60]):
        await job(pool, a, status="SUCCEEDED", vendor="modelarts", flavor="ma.1card", minute=n, ran_minutes=ran)
    await job(pool, a, status="RUNNING", vendor="modelarts", flavor="ma.1card", minute=5)  # not ended
    async with pool.acquire() as conn:
        typical = await job_store.typical_run_times(conn, ["ma.1card", "ma.8card"])
    assert typical == {"ma.1card": timedelta(minutes=20)}


async def test_only_jobs_on_a_vendor_not_ended_are_open_and_the_queue_ahead_is_ranked(pool):
    await pool.execute("DELETE FROM gateway.jobs")
    a, b = await tenant(pool), await tenant(pool)
    await job(pool, b, status="RUNNING", vendor="modelarts", flavor="ma.1card", max_runtime_s=600)
    await job(pool, b, status="QUEUED", vendor="caip", flavor="caip.1card")  # waits on its vendor
    await job(pool, b, status="SUCCEEDED", vendor="modelarts", flavor="ma.1card", ran_minutes=5)
    await job(pool, b, status="RUNNING", vendor="caip", flavor="caip.mlu", accelerator="mlu370")
    first = await job(pool, b, queue_reason="no_capacity", minute=1, max_runtime_s=900)
    mine = await job(pool, a, queue_reason="no_capacity", minute=2)
    await job(pool, b, queue_reason="no_capacity", minute=3)  # behind it
    async with pool.acquire() as conn:
        on_vendors = await job_store.open_on_vendors(conn, [a], ["ascend-910b"])
        ahead = await job_store.queued_ahead(conn, [mine])
    assert sorted((row["vendor"], row["max_runtime_s"]) for row in on_vendors) == [
        ("caip", None), ("modelarts", 600)]
    assert [(row["id"], row["position"], row["max_runtime_s"]) for row in ahead] == [
        (first["id"], 1, 900), (mine["id"], 2, None)]
