"""Two notifier replicas as real processes share one queue; each is SIGKILLed while deliveries are in
flight and started again. Nothing is lost: every (event, endpoint) arrives at least once, always with the
same webhook-id and a valid signature; and no attempt is sent twice by the two replicas at once."""

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from standardwebhooks import Webhook

from contracts.topics import JOBS_EVENTS
from services.cli import create_topics
from services.notifier.fanout import delivery_id
from tests.e2e.conftest import _delete_topics
from tests.e2e.stack import ROOT, free_port
from tests.integration.test_notifier_delivery import Receiver, state_changed
from tests.scratch_db import create_scratch_database, drop_database

pytestmark = pytest.mark.e2e

EVENTS, ENDPOINTS = 40, 5


class Replica:
    def __init__(self, env: dict[str, str], log: Path):
        self.port = free_port()
        self.env = env | {"SWITCHYARD_NOTIFIER_URL": f"http://127.0.0.1:{self.port}"}
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "services.notifier"], cwd=ROOT, env=self.env,
                                        stdout=open(self.log, "ab"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(self.log.read_text()[-3000:])

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


async def _publish(bootstrap: str, topic: str, envelopes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        for envelope in envelopes:
            await producer.send_and_wait(topic, envelope.kafka_body(), key=envelope.subject.encode(),
                                         headers=[(k, v.encode()) for k, v in envelope.kafka_headers().items()])
    finally:
        await producer.stop()


def test_sigkilled_replicas_lose_nothing(infra):
    name, database_url = asyncio.run(create_scratch_database(infra.database_url, "sy_e2e_notifier"))
    prefix = f"e2en{uuid.uuid4().hex[:8]}."
    asyncio.run(create_topics(prefix=prefix))
    receiver = Receiver()
    log_dir = Path(tempfile.mkdtemp(prefix="switchyard-notifier-"))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("SWITCHYARD_")},
           "PYTHONPATH": str(ROOT), "SWITCHYARD_DATABASE_URL": database_url,
           "SWITCHYARD_KAFKA_BOOTSTRAP_SERVERS": infra.kafka_bootstrap_servers, "SWITCHYARD_TOPIC_PREFIX": prefix,
           "SWITCHYARD_WEBHOOK_ALLOW_PRIVATE": "true", "SWITCHYARD_WEBHOOK_TIMEOUT_S": "2",
           "SWITCHYARD_WEBHOOK_RETRY_SCHEDULE": "1s,1s,1s,1s,1s", "SWITCHYARD_NOTIFIER_TARGET_CONCURRENCY": "2"}
    replicas = [Replica(env, log_dir / f"notifier-{i}.log") for i in range(2)]
    try:
        for replica in replicas:
            replica.start()
        tenant = uuid.uuid4()
        hooks = []
        for _ in range(ENDPOINTS):
            created = httpx.post(f"http://127.0.0.1:{replicas[0].port}/internal/tenants/{tenant}/webhooks",
                                 json={"url": receiver.url("slow/40"), "event_types": ["job.running"]},
                                 params={"max_webhooks_per_tenant": ENDPOINTS})
            assert created.status_code == 201, created.text
            hooks.append(created.json())
        envelopes = [state_changed(tenant) for _ in range(EVENTS)]
        asyncio.run(_publish(infra.kafka_bootstrap_servers, prefix + JOBS_EVENTS, envelopes))

        def received() -> int:
            return sum(len(receiver.received(h["url"])) for h in hooks)
        for replica in replicas:  # each dies with attempts in flight, and comes back
            deadline = time.monotonic() + 30
            target = received() + 15
            while received() < target and time.monotonic() < deadline:
                time.sleep(0.01)
            replica.kill()
            time.sleep(0.5)
            replica.start()

        expected = {str(delivery_id(e.id, uuid.UUID(h["id"]))) for e in envelopes for h in hooks}
        deadline = time.monotonic() + 90  # leases of the killed replicas' attempts run out after 32 s
        got: Counter[str] = Counter()
        while time.monotonic() < deadline:
            got = Counter(headers["webhook-id"] for h in hooks for headers, _ in receiver.received(h["url"]))
            if set(got) >= expected:
                break
            time.sleep(0.5)
        assert set(got) == expected, f"{len(expected - set(got))} of {len(expected)} never arrived"
        for hook in hooks:
            for headers, body in receiver.received(hook["url"]):
                assert Webhook(hook["secret"]).verify(body, headers)["type"] == "job.running"
        # A repeat only ever follows a kill (an attempt cut short, or sent but not yet recorded): at most the
        # attempts the two killed replicas had in flight.
        repeats = sum(n - 1 for n in got.values())
        assert repeats <= 2 * (ENDPOINTS * 2 + 10), got.most_common(5)
    finally:
        for replica in replicas:
            replica.stop()
        receiver.close()
        asyncio.run(drop_database(infra.database_url, name))
        asyncio.run(_delete_topics(infra.kafka_bootstrap_servers, prefix))
