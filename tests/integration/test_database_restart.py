"""The workers that wait on a PostgreSQL NOTIFY come back with the database: a PostgreSQL cluster of this module's
own (restarted mid-test, so never the shared one) is stopped and started while webhooks are being delivered.

Before this held, a restart could cut a connection mid-operation so that asyncpg raised its InternalClientError,
which the notifier's result recorder did not expect: the recorder died, its results stayed unrecorded, and the
worker stopped claiming for targets that looked busy for ever. Its LISTEN connection also died with the database,
leaving it to poll."""

import asyncio
import contextlib
import shutil
import time
import uuid

import pytest

from services.common.db import create_pool
from services.common.migrations import upgrade_all
from services.common.wakeup import Wakeup
from services.notifier.delivery import DeliveryWorker
from tests.chaos.infra import ChaosInfra
from tests.e2e.stack import ROOT
from tests.integration.test_notifier_delivery import DEV, Receiver, endpoint, handle, state_changed

RESTARTS = 3
DOWN_S = 1.0  # each outage, beyond the stop and the start
SETTLE_S = 120.0  # the longest wait for what must follow an outage (a condition is waited for, not this long)


@pytest.fixture(scope="module")
def own_postgres():
    infra = ChaosInfra.fresh(ROOT / ".data" / "pg-restart")
    infra.stop()
    shutil.rmtree(infra.data_dir, ignore_errors=True)
    infra.script("postgres", "start")
    upgrade_all(infra.database_url)
    try:
        yield infra
    finally:
        infra.script("postgres", "stop")
        shutil.rmtree(infra.data_dir, ignore_errors=True)


async def eventually(check, what):
    """`what` (a string, or a function giving one) says what was waited for when it times out."""
    deadline = time.monotonic() + SETTLE_S
    while not (result := await check()):
        described = what() if callable(what) else what
        assert time.monotonic() < deadline, f"timed out after {SETTLE_S}s waiting for {described}"
        await asyncio.sleep(0.2)
    return result


async def restart(infra: ChaosInfra) -> None:
    await asyncio.to_thread(infra.restart, "postgres", DOWN_S)


async def test_a_wakeup_listens_again_once_the_database_is_back(own_postgres):
    pool = await create_pool(own_postgres.database_url)
    wakeup = Wakeup(pool, "restart_test")
    try:
        await wakeup.wait(0.01)  # listening

        async def notified() -> bool:
            wakeup.clear()
            waiting = asyncio.create_task(wakeup.wait(SETTLE_S))
            with contextlib.suppress(Exception):  # the database may still be starting
                await pool.execute("NOTIFY restart_test")
            return await waiting

        assert await notified()
        await restart(own_postgres)
        await wakeup.wait(0.01)  # notices the lost connection and listens on a new one
        assert await eventually(notified, "a NOTIFY after the restart")
        assert await notified()  # on the new connection (the first may have been its "look once now")
    finally:
        await wakeup.close()
        await pool.close()


async def test_webhooks_queued_through_database_restarts_are_all_delivered(own_postgres):
    pool = await create_pool(own_postgres.database_url)
    receiver = Receiver()
    tenants = [uuid.uuid4(), uuid.uuid4()]
    urls = [receiver.url("slow/50") for _ in tenants]
    for tenant, url in zip(tenants, urls):
        await endpoint(pool, tenant, url)
    worker = asyncio.create_task(DeliveryWorker(pool, DEV).run())
    queued = 0

    async def keep_queueing():
        nonlocal queued
        while True:
            for tenant in tenants:
                with contextlib.suppress(Exception):  # refused while the database is away
                    await handle(pool, state_changed(tenant))
                    queued += 1
            await asyncio.sleep(0.01)

    def queued_beyond(count: int):
        async def check() -> bool:
            return queued > count
        return check

    statuses: dict[str, int] = {}

    async def delivered_all() -> bool:
        # Counted in the database: a queueing whose commit went through may still have failed on this side.
        with contextlib.suppress(Exception):
            statuses.clear()
            statuses.update(await pool.fetch("SELECT status, count(*) FROM notifier.deliveries GROUP BY status"))
        return set(statuses) == {"delivered"} and statuses["delivered"] >= queued

    try:
        for _ in range(RESTARTS):
            queueing = asyncio.create_task(keep_queueing())
            await eventually(queued_beyond(queued + 100), "deliveries queued")
            await restart(own_postgres)
            await eventually(queued_beyond(queued + 100), "queueing after the restart")
            queueing.cancel()
            await asyncio.gather(queueing, return_exceptions=True)
            assert not worker.done(), worker
            await eventually(delivered_all, lambda: f"every delivery delivered (at least {queued}; {statuses})")
        # At least once, under one webhook-id each: every delivery reached its receiver.
        ids = {str(row["id"]) for row in await pool.fetch("SELECT id FROM notifier.deliveries")}
        assert {headers["webhook-id"] for url in urls for headers, _ in receiver.received(url)} == ids
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
        receiver.close()
        await pool.close()
