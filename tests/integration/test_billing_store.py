"""Billing against the real PostgreSQL (scratch database from conftest): exactly-once charges,
a ledger the database keeps balanced, true-up refunds, metering racing the true-up."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg
import pytest

from contracts.events import Envelope, JobStateChanged, JobSubmitted
from contracts.status import JobStatus
from services.billing import handlers, ledger, metering, store
from services.billing.metering import Kind

MARKUP = Decimal("1.20")
VENDOR_PER_HOUR = 30_000_000  # sells at 36 CNY/h = 0.60 CNY a minute
PER_MINUTE = 600_000


def submitted(tenant_id: uuid.UUID, job_id: uuid.UUID) -> Envelope:
    return Envelope(source="test", data=JobSubmitted(
        job_id=job_id, tenant_id=tenant_id, vendor="modelarts", vendor_job_id=f"v-{job_id}", flavor="f1",
        accelerator="ascend-910b", count=1, vendor_price_per_hour=VENDOR_PER_HOUR, raw_status="Pending",
        submitted_at=datetime.now(UTC),
    ))


def changed(tenant_id: uuid.UUID, job_id: uuid.UUID, to: JobStatus, sequence: int, *,
            started_at: datetime | None = None, finished_at: datetime | None = None) -> Envelope:
    return Envelope(source="test", data=JobStateChanged(
        job_id=job_id, tenant_id=tenant_id, vendor="modelarts", vendor_job_id=f"v-{job_id}",
        from_status=JobStatus.QUEUED, to_status=to, raw_status=str(to), vendor_time=None,
        observed_at=datetime.now(UTC), sequence=sequence, started_at=started_at, finished_at=finished_at,
    ))


async def deliver(pool: asyncpg.Pool, envelope: Envelope) -> None:
    await handlers.handle_job_event(pool, MARKUP, envelope)


async def running_job(pool: asyncpg.Pool, started_ago_s: float) -> tuple[uuid.UUID, uuid.UUID, datetime]:
    tenant_id, job_id = uuid.uuid4(), uuid.uuid4()
    started_at = datetime.now(UTC) - timedelta(seconds=started_ago_s)
    await deliver(pool, submitted(tenant_id, job_id))
    await deliver(pool, changed(tenant_id, job_id, JobStatus.RUNNING, 1, started_at=started_at))
    return tenant_id, job_id, started_at


async def booked(pool: asyncpg.Pool, job_id: uuid.UUID) -> list[tuple[int, str, int]]:
    rows = await pool.fetch("SELECT minute, kind, amount FROM billing.charges WHERE job_id = $1 "
                            "ORDER BY minute, kind", job_id)
    return [tuple(row) for row in rows]


async def tenant_balance(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> int:
    async with pool.acquire() as conn:
        return await store.balance(conn, ledger.tenant_account(tenant_id))


async def test_submission_freezes_the_price(pool):
    tenant_id, job_id, started_at = await running_job(pool, 10)
    row = await pool.fetchrow("SELECT * FROM billing.metered_jobs WHERE job_id = $1", job_id)
    assert (row["price_per_hour"], row["price_per_minute"]) == (36_000_000, PER_MINUTE)
    assert row["state"] == "running" and row["started_at"] == started_at


async def test_metering_charges_each_started_minute_once(pool):
    tenant_id, job_id, _ = await running_job(pool, 90)  # minutes 0 and 1 have started
    await handlers.meter_running_jobs(pool)
    await handlers.meter_running_jobs(pool)
    assert await booked(pool, job_id) == [(0, "charge", PER_MINUTE), (1, "charge", PER_MINUTE)]
    assert await tenant_balance(pool, tenant_id) == -2 * PER_MINUTE
    events = await pool.fetch("SELECT topic, key, headers FROM billing.outbox WHERE key = $1", str(job_id))
    assert len(events) == 2
    assert {e["headers"]["ce_type"] for e in events} == {"switchyard.usage.charged.v1"}
    assert {e["headers"]["ce_source"] for e in events} == {"switchyard/billing"}


async def test_the_same_job_minute_is_charged_once_even_by_concurrent_chargers(pool):
    _, job_id, _ = await running_job(pool, 30)
    results = await asyncio.gather(*(handlers.charge_next_minute(pool, job_id) for _ in range(5)))
    assert results.count(True) == 1
    assert await booked(pool, job_id) == [(0, "charge", PER_MINUTE)]


async def test_the_database_refuses_a_second_charge_for_a_minute(pool):
    tenant_id, job_id, _ = await running_job(pool, 30)
    await handlers.meter_running_jobs(pool)
    async with pool.acquire() as conn:
        again = await store.insert_charge(conn, charge_id=metering.charge_id(job_id, 0, Kind.CHARGE), job_id=job_id,
                                          tenant_id=tenant_id, minute=0, kind=Kind.CHARGE, amount=PER_MINUTE)
        assert again is None
        with pytest.raises(asyncpg.UniqueViolationError):  # even under a different id
            await conn.execute("INSERT INTO billing.charges (id, job_id, tenant_id, minute, kind, amount) "
                               "VALUES ($1, $2, $3, 0, 'charge', 1)", uuid.uuid4(), job_id, tenant_id)
        with pytest.raises(asyncpg.PostgresError, match="append-only"):
            await conn.execute("UPDATE billing.charges SET amount = 0 WHERE job_id = $1", job_id)


async def test_every_ledger_transaction_balances(pool):
    tenant_id, _, _ = await running_job(pool, 150)
    await handlers.meter_running_jobs(pool)
    await handlers.credit(pool, tenant_id, 100_000_000)
    unbalanced = await pool.fetch("SELECT txn_id FROM billing.ledger_entries GROUP BY txn_id HAVING sum(amount) <> 0")
    assert unbalanced == []
    total = await pool.fetchval("SELECT sum(amount) FROM billing.ledger_entries")
    assert total == 0
    # The running balances agree with the ledger.
    drift = await pool.fetch(
        """SELECT a.account FROM billing.accounts a
           LEFT JOIN (SELECT account, sum(amount) AS s FROM billing.ledger_entries GROUP BY account) l USING (account)
           WHERE a.balance <> coalesce(l.s, 0)""")
    assert drift == []


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
    assert await handlers.balance(pool, tenant_id) == 0
    assert await handlers.credit(pool, tenant_id, 100_000_000) == 100_000_000
    assert await handlers.credit(pool, tenant_id, 500_000) == 100_500_000


async def test_true_up_refunds_minutes_charged_past_a_late_observed_end(pool):
    tenant_id, job_id, started_at = await running_job(pool, 200)
    await handlers.meter_running_jobs(pool)  # minutes 0..3
    end = changed(tenant_id, job_id, JobStatus.SUCCEEDED, 2, finished_at=started_at + timedelta(seconds=61))
    await deliver(pool, end)
    await deliver(pool, end)  # a redelivery changes nothing
    assert await booked(pool, job_id) == [
        (0, "charge", PER_MINUTE), (1, "charge", PER_MINUTE),
        (2, "charge", PER_MINUTE), (2, "refund", -PER_MINUTE),
        (3, "charge", PER_MINUTE), (3, "refund", -PER_MINUTE),
    ]
    assert await tenant_balance(pool, tenant_id) == -2 * PER_MINUTE
    row = await pool.fetchrow("SELECT state, final_status, finished_at FROM billing.metered_jobs WHERE job_id = $1",
                              job_id)
    assert tuple(row) == ("finished", "SUCCEEDED", started_at + timedelta(seconds=61))
    # A later terminal status and more metering change nothing either.
    await deliver(pool, changed(tenant_id, job_id, JobStatus.FAILED, 3, finished_at=started_at + timedelta(hours=1)))
    assert await handlers.meter_running_jobs(pool) == 0
    assert len(await booked(pool, job_id)) == 6


async def test_true_up_charges_what_metering_never_got_to(pool):
    tenant_id, job_id = uuid.uuid4(), uuid.uuid4()
    started_at = datetime.now(UTC) - timedelta(minutes=10)
    await deliver(pool, submitted(tenant_id, job_id))
    # RUNNING was never seen: the terminal event carries the start.
    await deliver(pool, changed(tenant_id, job_id, JobStatus.STOPPED, 1, started_at=started_at,
                                finished_at=started_at + timedelta(seconds=180)))
    assert [m for m, kind, _ in await booked(pool, job_id) if kind == "charge"] == [0, 1, 2]
    assert await tenant_balance(pool, tenant_id) == -3 * PER_MINUTE


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
async def test_metering_racing_the_true_up_never_doubles(pool, attempt):
    tenant_id, job_id, started_at = await running_job(pool, 300)  # minutes 0..5 are due
    end = changed(tenant_id, job_id, JobStatus.SUCCEEDED, 2, finished_at=started_at + timedelta(seconds=150))
    await asyncio.gather(handlers.meter_running_jobs(pool), deliver(pool, end),
                         handlers.meter_running_jobs(pool))
    rows = await booked(pool, job_id)
    assert len(rows) == len(set((m, k) for m, k, _ in rows))
    net = {}
    for minute, _, amount in rows:
        net[minute] = net.get(minute, 0) + amount
    assert {m: a for m, a in net.items() if a} == {0: PER_MINUTE, 1: PER_MINUTE, 2: PER_MINUTE}
    assert await tenant_balance(pool, tenant_id) == -3 * PER_MINUTE
    usage = await pool.fetchval("SELECT count(*) FROM billing.outbox WHERE key = $1", str(job_id))
    assert usage == len(rows)
