"""What a queued job's last try left out, in the gateway's read model on the real PostgreSQL: the latest try wins,
a redelivery applies once, and the job's placement clears it."""

import uuid
from datetime import UTC, datetime, timedelta

from contracts.catalog import Exclusion
from contracts.events import Envelope, JobExclusionsChanged, JobSubmitted
from services.gateway import handlers

T0 = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
SOLD_OUT = Exclusion(vendor="modelarts", flavor="modelarts.vm.snt9.1card", reason="sold_out")
DOWN = Exclusion(vendor="caip", flavor=None, reason="vendor_degraded")


class Runtime:
    def __init__(self, pool):
        self.pool = pool


async def a_queued_job(pool) -> tuple[uuid.UUID, uuid.UUID]:
    tenant_id, job_id = uuid.uuid4(), uuid.uuid4()
    await pool.execute("INSERT INTO gateway.tenants (id, name) VALUES ($1, 'team')", tenant_id)
    await pool.execute(
        """INSERT INTO gateway.jobs (id, tenant_id, kind, name, spec, status, priority, created_at, updated_at,
                                     queue_reason)
           VALUES ($1, $2, 'training', 'n', '{}'::jsonb, 'QUEUED', 1, $3, $3, 'no_capacity')""",
        job_id, tenant_id, T0)
    return tenant_id, job_id


def tried(job_id, tenant_id, excluded, seconds) -> Envelope:
    return Envelope(source="switchyard/scheduler", data=JobExclusionsChanged(
        job_id=job_id, tenant_id=tenant_id, excluded=excluded, tried_at=T0 + timedelta(seconds=seconds)))


async def shown(pool, job_id) -> list[dict]:
    return await pool.fetchval("SELECT excluded FROM gateway.jobs WHERE id = $1", job_id)


async def test_the_latest_try_wins_and_a_redelivery_changes_nothing(pool):
    tenant_id, job_id = await a_queued_job(pool)
    handle = handlers.make_handler(lambda: Runtime(pool))
    assert await shown(pool, job_id) == []
    first = tried(job_id, tenant_id, [SOLD_OUT], 10)
    await handle(first)
    assert await shown(pool, job_id) == [SOLD_OUT.model_dump(mode="json")]
    await handle(tried(job_id, tenant_id, [SOLD_OUT, DOWN], 20))
    await handle(tried(job_id, tenant_id, [], 15))  # an older try, arriving late
    await handle(first)  # redelivered
    assert await shown(pool, job_id) == [SOLD_OUT.model_dump(mode="json"), DOWN.model_dump(mode="json")]


async def test_a_placed_job_shows_no_exclusions(pool):
    tenant_id, job_id = await a_queued_job(pool)
    handle = handlers.make_handler(lambda: Runtime(pool))
    await handle(tried(job_id, tenant_id, [SOLD_OUT], 10))
    await handle(Envelope(source="switchyard/scheduler", data=JobSubmitted(
        job_id=job_id, tenant_id=tenant_id, vendor="modelarts", vendor_job_id="v-1", flavor="f",
        accelerator="ascend-910b", count=1, vendor_price_per_hour=1, raw_status="Creating", submitted_at=T0)))
    assert await shown(pool, job_id) == []
