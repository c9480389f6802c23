"""Billing against the real PostgreSQL (scratch database from conftest): exactly-once charges,
a ledger the database keeps balanced, true-up refunds, the rater racing the true-up."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from contracts.status import JobStatus
from services.billing import commands, handlers, workers
from tests.integration.billing_helpers import (
    PER_MINUTE, POLICY, assert_invariants, booked, changed, deliver, meter_and_rate, running_job, submitted,
    tenant_balance, usage_minutes,
)

FUNDS = 100_000_000


async def test_submission_freezes_the_price_and_the_vendor_cost(pool):
    _, job_id, started_at = await running_job(pool, 10)
    row = await pool.fetchrow("SELECT * FROM billing.metered_jobs WHERE job_id = $1", job_id)
    assert (row["price_per_hour"], row["price_per_minute"], row["vendor_cost_per_minute"]) == (36_000_000, PER_MINUTE, 500_000)
    assert row["price_rule"] == "default"
    assert row["state"] == "running" and row["started_at"] == started_at and row["next_minute_at"] == started_at


async def test_the_meter_announces_each_started_minute_once(pool):
    _, job_id, started_at = await running_job(pool, 90, credit=FUNDS)  # minutes 0 and 1 have started
    assert await workers.meter(pool) >= 2
    await workers.meter(pool)
    minutes = await usage_minutes(pool, job_id)
    assert [(m.minute, m.minute_at) for m in minutes] == [(0, started_at), (1, started_at + timedelta(minutes=1))]


async def test_rating_charges_each_minute_once_however_often_it_is_delivered(pool):
    tenant_id, job_id, _ = await running_job(pool, 90, credit=FUNDS)
    assert await meter_and_rate(pool, job_id) == 2
    assert await meter_and_rate(pool, job_id) == 0
    assert await booked(pool, job_id) == [(0, "charge", PER_MINUTE), (1, "charge", PER_MINUTE)]
    assert await tenant_balance(pool, tenant_id) == FUNDS - 2 * PER_MINUTE
    events = await pool.fetch("SELECT key, headers FROM billing.outbox WHERE key = $1 AND headers->>'ce_type' = $2",
                              str(job_id), "switchyard.usage.charged.v1")
    assert len(events) == 2
    assert {e["headers"]["ce_source"] for e in events} == {"switchyard/billing"}
    charge = await pool.fetchrow("SELECT * FROM billing.charges WHERE job_id = $1 AND minute = 0", job_id)
    assert (charge["list_amount"], charge["card_seconds"], charge["vendor_cost"], charge["package_id"]) == \
        (PER_MINUTE, 60, 500_000, None)
    await assert_invariants(pool)


async def test_concurrent_raters_charge_a_minute_once(pool):
    _, job_id, _ = await running_job(pool, 30, credit=FUNDS)
    await workers.meter(pool)
    minutes = await usage_minutes(pool, job_id)
    results = await asyncio.gather(*(handlers.rate_usage(pool, minutes, POLICY) for _ in range(5)))
    assert sorted(results) == [0, 0, 0, 0, 1]
    assert await booked(pool, job_id) == [(0, "charge", PER_MINUTE)]


async def test_the_database_refuses_a_second_charge_for_a_minute(pool):
    tenant_id, job_id, _ = await running_job(pool, 30, credit=FUNDS)
    await meter_and_rate(pool, job_id)
    async with pool.acquire() as conn:
        with pytest.raises(asyncpg.UniqueViolationError):  # even under a different id
            await conn.execute("INSERT INTO billing.charges (id, job_id, tenant_id, minute, kind, amount) "
                               "VALUES ($1, $2, $3, 0, 'charge', 1)", uuid.uuid4(), job_id, tenant_id)
        with pytest.raises(asyncpg.PostgresError, match="append-only"):
            await conn.execute("UPDATE billing.charges SET amount = 0 WHERE job_id = $1", job_id)
        with pytest.raises(asyncpg.PostgresError, match="append-only"):
            await conn.execute("DELETE FROM billing.ledger_entries")


async def test_the_database_refuses_an_unbalanced_transaction(pool):
    txn_id = uuid.uuid4()
    with pytest.raises(asyncpg.CheckViolationError, match="unbalanced"):
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("INSERT INTO billing.ledger_entries (txn_id, account, amount) VALUES ($1, 'cash', -5)",
                               txn_id)
            await conn.execute("INSERT INTO billing.ledger_entries (txn_id, account, amount) "
                               "VALUES ($1, 'tenant:x', 4)", txn_id)
    assert await pool.fetchval("SELECT count(*) FROM billing.ledger_entries WHERE txn_id = $1", txn_id) == 0


async def test_credit_creates_the_account_and_adds_up(pool):
    tenant_id = uuid.uuid4()
    assert await tenant_balance(pool, tenant_id) == 0
    assert (await commands.credit(pool, tenant_id, 100_000_000, POLICY)).body["balance"] == "100.00"
    assert (await commands.credit(pool, tenant_id, 500_000, POLICY)).body["balance"] == "100.50"


async def test_true_up_refunds_minutes_charged_past_a_late_observed_end(pool):
    tenant_id, job_id, started_at = await running_job(pool, 200, credit=FUNDS)
    await meter_and_rate(pool, job_id)  # minutes 0..3
    end = changed(tenant_id, job_id, JobStatus.SUCCEEDED, 2, finished_at=started_at + timedelta(seconds=61))
    await deliver(pool, end)
    await deliver(pool, end)  # a redelivery changes nothing
    assert await booked(pool, job_id) == [
        (0, "charge", PER_MINUTE), (1, "charge", PER_MINUTE),
        (2, "charge", PER_MINUTE), (2, "refund", -PER_MINUTE),
        (3, "charge", PER_MINUTE), (3, "refund", -PER_MINUTE),
    ]
    assert await tenant_balance(pool, tenant_id) == FUNDS - 2 * PER_MINUTE
    refund = await pool.fetchrow("SELECT vendor_cost, card_seconds FROM billing.charges "
                                 "WHERE job_id = $1 AND kind = 'refund' AND minute = 2", job_id)
    assert tuple(refund) == (-500_000, -60)
    row = await pool.fetchrow("SELECT state, final_status, finished_at FROM billing.metered_jobs WHERE job_id = $1",
                              job_id)
    assert tuple(row) == ("finished", "SUCCEEDED", started_at + timedelta(seconds=61))
    # A later terminal status, more metering and late usage minutes change nothing either.
    await deliver(pool, changed(tenant_id, job_id, JobStatus.FAILED, 3, finished_at=started_at + timedelta(hours=1)))
    assert await meter_and_rate(pool, job_id) == 0
    assert len(await booked(pool, job_id)) == 6
    await assert_invariants(pool)


async def test_true_up_charges_what_the_meter_never_got_to(pool):
    tenant_id, job_id = uuid.uuid4(), uuid.uuid4()
    await commands.credit(pool, tenant_id, FUNDS, POLICY)
    started_at = datetime.now(UTC) - timedelta(minutes=10)
    await deliver(pool, submitted(tenant_id, job_id))
    # RUNNING was never seen: the terminal event carries the start.
    await deliver(pool, changed(tenant_id, job_id, JobStatus.STOPPED, 1, started_at=started_at,
                                finished_at=started_at + timedelta(seconds=180)))
    assert [m for m, kind, _ in await booked(pool, job_id) if kind == "charge"] == [0, 1, 2]
    assert await tenant_balance(pool, tenant_id) == FUNDS - 3 * PER_MINUTE


async def test_a_job_that_never_started_costs_nothing(pool):
    tenant_id, job_id = uuid.uuid4(), uuid.uuid4()
    await deliver(pool, submitted(tenant_id, job_id))
    await deliver(pool, changed(tenant_id, job_id, JobStatus.FAILED, 1))
    assert await booked(pool, job_id) == []
    assert await tenant_balance(pool, tenant_id) == 0


async def test_a_state_change_for_an_unknown_job_is_skipped(pool):
    tenant_id, job_id = uuid.uuid4(), uuid.uuid4()
    envelope = changed(tenant_id, job_id, JobStatus.RUNNING, 1, started_at=datetime.now(UTC))
    await deliver(pool, envelope)
    assert await pool.fetchval("SELECT count(*) FROM billing.metered_jobs WHERE job_id = $1", job_id) == 0
    assert await pool.fetchval("SELECT count(*) FROM billing.inbox WHERE event_id = $1", envelope.id) == 1


@pytest.mark.parametrize("attempt", range(5))
async def test_the_rater_racing_the_true_up_never_doubles(pool, attempt):
    tenant_id, job_id, started_at = await running_job(pool, 300, credit=FUNDS)  # minutes 0..5 are due
    await workers.meter(pool)
    minutes = await usage_minutes(pool, job_id)
    end = changed(tenant_id, job_id, JobStatus.SUCCEEDED, 2, finished_at=started_at + timedelta(seconds=150))
    await asyncio.gather(handlers.rate_usage(pool, minutes[:3], POLICY), deliver(pool, end),
                         handlers.rate_usage(pool, minutes, POLICY))
    rows = await booked(pool, job_id)
    assert len(rows) == len(set((m, k) for m, k, _ in rows))
    net = {}
    for minute, _, amount in rows:
        net[minute] = net.get(minute, 0) + amount
    assert {m: a for m, a in net.items() if a} == {0: PER_MINUTE, 1: PER_MINUTE, 2: PER_MINUTE}
    assert await tenant_balance(pool, tenant_id) == FUNDS - 3 * PER_MINUTE
    usage = await pool.fetchval("SELECT count(*) FROM billing.outbox WHERE key = $1 AND headers->>'ce_type' = $2",
                                str(job_id), "switchyard.usage.charged.v1")
    assert usage == len(rows)
    await assert_invariants(pool)
