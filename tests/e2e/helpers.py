import asyncio
import json
import math
import time
from datetime import datetime
from decimal import Decimal

from aiokafka import AIOKafkaConsumer
from standardwebhooks import Webhook

from contracts.money import divide, multiply, parse_amount


def wait_for(predicate, timeout_s: float = 60.0, interval_s: float = 0.3, what: str = "condition"):
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval_s)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}; last value: {last!r}")


def job_in(client, job_id: str, *statuses: str, timeout_s: float = 60.0) -> dict:
    def check():
        job = client.get(f"/v1/jobs/{job_id}").json()
        return job if job["status"] in statuses else None
    return wait_for(check, timeout_s, what=f"job {job_id} in {statuses}")


def expected_minutes(job: dict) -> int:
    started = datetime.fromisoformat(job["started_at"])
    finished = datetime.fromisoformat(job["finished_at"])
    return max(1, math.ceil((finished - started).total_seconds() / 60))


def per_minute_price(vendor_price_per_hour: int, markup: str = "1.20") -> int:
    return divide(multiply(vendor_price_per_hour, Decimal(markup)), 60)


def vendor_price(flavor: str) -> int:
    """The simulator's list price per hour for `flavor`, in micro-units (the adapter's price table)."""
    from services.vendors.modelarts import ModelArtsSettings

    return parse_amount(str(ModelArtsSettings().prices[flavor]))


def verified_webhooks(receiver, secret: str) -> list[tuple[str, dict]]:
    """(webhook-id, payload) of every request the receiver got, each signature checked."""
    out = []
    for request in receiver.requests:
        payload = Webhook(secret).verify(request.body, request.headers)
        out.append((request.headers["webhook-id"], payload))
    return out


def amount(text: str) -> int:
    """An amount the API answered with; balances and margins may be negative."""
    return parse_amount(text, signed=True)


async def kafka_events(stack, topic: str, wanted, timeout_s: float = 60.0) -> list[dict]:
    """The payloads on the stack's `topic` (from its start) for which `wanted(headers, payload)` holds;
    waits until there is at least one, or `timeout_s`."""
    consumer = AIOKafkaConsumer(stack.env["SWITCHYARD_TOPIC_PREFIX"] + topic,
                                bootstrap_servers=stack.env["SWITCHYARD_KAFKA_BOOTSTRAP_SERVERS"],
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    found = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while not found and asyncio.get_running_loop().time() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    headers = {k: v.decode() for k, v in record.headers}
                    payload = json.loads(record.value)
                    if wanted(headers, payload):
                        found.append(payload)
    finally:
        await consumer.stop()
    return found
