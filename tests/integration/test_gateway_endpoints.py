"""A job's endpoints in the gateway's read model, on the real PostgreSQL: the latest observation wins, through the
consumer's inbox (a redelivered event applies once), and a job its vendor lost shows none."""

import uuid
from datetime import UTC, datetime, timedelta

from contracts.events import Envelope, JobEndpoint, JobEndpointsChanged, JobLostOnVendor
from contracts.status import JobStatus
from services.gateway import handlers

T0 = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
PAGE = JobEndpoint(type="jupyter", url="http://127.0.0.1:18004/notebook/jupyter/sy-1/lab")
MOVED = JobEndpoint(type="jupyter", url="http://127.0.0.1:18005/notebook/jupyter/sy-1/lab",
                    expires_at=T0 + timedelta(hours=1))


class Runtime:
    def __init__(self, pool):
        self.pool = pool


async def a_job(pool) -> tuple[uuid.UUID, uuid.UUID]:
    tenant_id, job_id = uuid.uuid4(), uuid.uuid4()
    await pool.execute("INSERT INTO gateway.tenants (id, name) VALUES ($1, 'team')", tenant_id)
    await pool.execute(
        """INSERT INTO gateway.jobs (id, tenant_id, kind, name, spec, status, priority, created_at, updated_at)
           VALUES ($1, $2, 'notebook', 'n', '{}'::jsonb, 'RUNNING', 1, $3, $3)""", job_id, tenant_id, T0)
    return tenant_id, job_id


def changed(job_id, tenant_id, endpoints, seconds) -> Envelope:
    return Envelope(source="switchyard/watcher", data=JobEndpointsChanged(
        job_id=job_id, tenant_id=tenant_id, vendor="aispace", endpoints=endpoints,
        observed_at=T0 + timedelta(seconds=seconds)))


async def shown(pool, job_id) -> list[dict]:
    return await pool.fetchval("SELECT endpoints FROM gateway.jobs WHERE id = $1", job_id)


async def test_the_latest_observation_wins_and_a_redelivery_changes_nothing(pool):
    tenant_id, job_id = await a_job(pool)
    handle = handlers.make_handler(lambda: Runtime(pool))
    assert await shown(pool, job_id) == []
    first = changed(job_id, tenant_id, [PAGE], 10)
    await handle(first)
    assert await shown(pool, job_id) == [PAGE.model_dump(mode="json")]
    await handle(changed(job_id, tenant_id, [MOVED], 20))
    await handle(changed(job_id, tenant_id, [], 15))  # older than the one shown: late, ignored
    await handle(first)  # redelivered
    assert await shown(pool, job_id) == [{"type": "jupyter", "url": MOVED.url, "expires_at": "2026-12-02T07:00:00Z"}]


async def test_a_job_its_vendor_lost_shows_no_endpoints(pool):
    tenant_id, job_id = await a_job(pool)
    handle = handlers.make_handler(lambda: Runtime(pool))
    await handle(changed(job_id, tenant_id, [PAGE], 10))
    await handle(Envelope(source="switchyard/watcher", data=JobLostOnVendor(
        job_id=job_id, tenant_id=tenant_id, vendor="aispace", vendor_job_id="notebook:44", cause="lost",
        reason="gone", status=JobStatus.RUNNING, raw_status="NotFound", sequence=3,
        observed_at=T0 + timedelta(seconds=30))))
    assert await shown(pool, job_id) == []
