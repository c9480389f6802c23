"""`claim_due` on the real PostgreSQL leases jobs in `fair_share`'s order, with each tenant's share of a batch capped."""

import uuid
from datetime import UTC, datetime, timedelta

from services.scheduler import store
from services.scheduler.fair_share import Queued, take_batch

T0 = datetime(2026, 12, 1, tzinfo=UTC)


async def queue(pool, jobs: list[Queued]) -> None:
    await pool.executemany(
        """INSERT INTO scheduler.placements (job_id, tenant_id, state, priority, spec, requested_at, kind, accelerators)
           VALUES ($1, $2, 'queued', $3, '{}'::jsonb, $4, 'training', 1)""",
        [(j.job_id, j.tenant_id, j.priority, j.requested_at) for j in jobs],
    )


async def test_claim_due_leases_the_batch_the_fair_share_rule_takes(pool):
    await pool.execute("DELETE FROM scheduler.placements")
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    jobs = ([Queued(uuid.uuid4(), a, 1, T0 + timedelta(seconds=n)) for n in range(300)]
            + [Queued(uuid.uuid4(), b, 1, T0 + timedelta(seconds=400 + n)) for n in range(2)]
            + [Queued(uuid.uuid4(), c, 2, T0 + timedelta(seconds=500))]
            + [Queued(uuid.uuid4(), c, 0, T0 + timedelta(seconds=600))])
    await queue(pool, jobs)

    claimed = await store.claim_due(pool, 10, 60.0, per_tenant=4)
    assert [r["job_id"] for r in claimed] == [j.job_id for j in take_batch(jobs, 10, per_tenant=4)]
    assert [r["tenant_id"] for r in claimed] == [c, a, b, a, b, a, a, c]


async def test_a_leased_job_is_not_claimed_again_and_the_next_claim_goes_on_in_turn(pool):
    await pool.execute("DELETE FROM scheduler.placements")
    a, b = uuid.uuid4(), uuid.uuid4()
    jobs = ([Queued(uuid.uuid4(), a, 1, T0 + timedelta(seconds=n)) for n in range(50)]
            + [Queued(uuid.uuid4(), b, 1, T0 + timedelta(seconds=100))])
    await queue(pool, jobs)

    first = await store.claim_due(pool, 512, 60.0, per_tenant=16)
    assert len(first) == 17 and first[1]["tenant_id"] == b
    second = await store.claim_due(pool, 512, 60.0, per_tenant=16)
    assert len(second) == 16 and {r["tenant_id"] for r in second} == {a}
    assert not {r["job_id"] for r in first} & {r["job_id"] for r in second}
    assert [r["requested_at"] for r in second] == sorted(r["requested_at"] for r in second)


async def test_jobs_waiting_out_a_retry_delay_go_behind_the_untried_ones_of_their_tenant(pool):
    await pool.execute("DELETE FROM scheduler.placements")
    a = uuid.uuid4()
    jobs = [Queued(uuid.uuid4(), a, 1, T0 + timedelta(seconds=n)) for n in range(40)]
    await queue(pool, jobs)
    first = await store.claim_due(pool, 512, 60.0, per_tenant=16)
    # tried, now due again (their retry delay is over), lease released
    await pool.execute("UPDATE scheduler.placements SET lease_until = NULL, next_try_at = now() - interval '1 s' "
                       "WHERE job_id = ANY($1::uuid[])", [r["job_id"] for r in first])
    second = await store.claim_due(pool, 512, 60.0, per_tenant=16)
    assert [r["job_id"] for r in second] == [j.job_id for j in jobs[16:32]]
