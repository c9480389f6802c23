"""The limit beside the billing drain: the thinnest honest consumer of the same usage backlog on the same
box. aiokafka `getmany` → JSON → one transaction per batch writing a charge row and an outbox row per
minute (into a scratch pair of tables shaped like billing's, same columns, constraints and indexes),
offsets committed after it; several consumers in one process, one consumer group of its own. No prices,
no locks, no packages, no ledger, no relay: what any consumer of this stream pays at the least.

Run as its own process by `benchmarks.billing_throughput` (it stops on SIGTERM):

    python -m benchmarks.billing_raw --dsn URL --bootstrap HOST:PORT --topic T --group G [--consumers 3] [--batch 2000]
"""

import argparse
import asyncio
import json
import signal
import uuid

import asyncpg
from aiokafka import AIOKafkaConsumer

SCHEMA = "raw"
PER_MINUTE, VENDOR_PER_MINUTE = 600_000, 500_000
USAGE_CHARGED = "switchyard.usage.charged.v1"


def ddl(billing_schema: str = "billing") -> str:
    """The scratch table pair: a copy of billing's charges table and an outbox of the shared shape."""
    from services.common.migrations import outbox_inbox_ddl
    return (f"CREATE SCHEMA {SCHEMA};\n"
            f"CREATE TABLE {SCHEMA}.charges (LIKE {billing_schema}.charges INCLUDING ALL);\n"
            + outbox_inbox_ddl(SCHEMA))


_CHARGES = f"""INSERT INTO {SCHEMA}.charges (id, job_id, tenant_id, minute, kind, amount, shortfall, list_amount,
                   card_seconds, package_value, vendor_cost, txn_id, vendor, flavor)
               SELECT i, j, t, m, 'charge', $5, 0, $5, 60, 0, $6, $7, 'modelarts', 'modelarts.vm.snt9.1card'
               FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::integer[]) AS r(i, j, t, m)
               ON CONFLICT (job_id, minute, kind) DO NOTHING"""  # a batch delivered again after a rebalance
_OUTBOX = f"""INSERT INTO {SCHEMA}.outbox (event_id, topic, key, headers, payload)
              SELECT i, $2, k, h::jsonb, p FROM unnest($1::uuid[], $3::text[], $4::text[], $5::text[]) AS r(i, k, h, p)"""


async def consume(pool: asyncpg.Pool, bootstrap: str, topic: str, group: str, batch: int, out_topic: str) -> None:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                                auto_offset_reset="earliest", max_poll_records=batch)
    await consumer.start()
    try:
        while True:
            polled = await consumer.getmany(timeout_ms=50, max_records=batch)
            minutes = [json.loads(record.value) for records in polled.values() for record in records]
            if not minutes:
                continue
            ids = [uuid.uuid4() for _ in minutes]
            headers, payloads = [], []
            for charge_id, m in zip(ids, minutes):
                headers.append(json.dumps({"ce_specversion": "1.0", "ce_id": str(uuid.uuid4()), "ce_type": USAGE_CHARGED,
                                           "ce_source": "switchyard/billing", "ce_subject": m["job_id"],
                                           "ce_tenantid": m["tenant_id"], "content-type": "application/json"}))
                payloads.append(json.dumps({"job_id": m["job_id"], "tenant_id": m["tenant_id"], "charge_id": str(charge_id),
                                            "minute": m["minute"], "amount": PER_MINUTE, "currency": "CNY",
                                            "balance_after": 0, "charged_at": m["minute_at"]}))
            async with pool.acquire() as conn, conn.transaction():
                await conn.execute(_CHARGES, ids, [m["job_id"] for m in minutes], [m["tenant_id"] for m in minutes],
                                   [m["minute"] for m in minutes], PER_MINUTE, VENDOR_PER_MINUTE, uuid.uuid4())
                await conn.execute(_OUTBOX, [uuid.uuid4() for _ in minutes], out_topic,
                                   [m["job_id"] for m in minutes], headers, payloads)
            await consumer.commit()
    finally:
        await consumer.stop()


async def run(dsn: str, bootstrap: str, topic: str, group: str, consumers: int, batch: int, out_topic: str) -> None:
    pool = await asyncpg.create_pool(dsn, min_size=consumers, max_size=consumers)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    tasks = [asyncio.create_task(consume(pool, bootstrap, topic, group, batch, out_topic)) for _ in range(consumers)]
    waiting = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait([*tasks, waiting], return_when=asyncio.FIRST_COMPLETED)
    for task in [*tasks, waiting]:
        task.cancel()
    await asyncio.gather(*tasks, waiting, return_exceptions=True)
    await pool.close()
    for task in done:  # a consumer that died says why
        if task is not waiting and task.exception():
            raise task.exception()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--out-topic", default="switchyard.billing.events")
    parser.add_argument("--consumers", type=int, default=3)
    parser.add_argument("--batch", type=int, default=2000)
    args = parser.parse_args()
    asyncio.run(run(args.dsn, args.bootstrap, args.topic, args.group, args.consumers, args.batch, args.out_topic))


if __name__ == "__main__":
    main()
