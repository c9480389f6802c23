"""The end-to-end stack, started once per session on the real Kafka and PostgreSQL."""

import asyncio
import tempfile
import uuid
from pathlib import Path

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient

from services.cli import create_topics
from tests.e2e.receiver import Receiver
from tests.e2e.stack import SIMULATORS, Stack, free_port, stack_env
from tests.scratch_db import create_scratch_database, drop_database

SERVICES = (*SIMULATORS, "billing", "notifier", "scheduler", "watcher", "gateway")
HEALTH = {**{sim: "/_sim/faults" for sim in SIMULATORS},
          "billing": "/healthz", "notifier": "/healthz", "scheduler": "/healthz", "gateway": "/readyz"}


async def _delete_topics(bootstrap: str, prefix: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.delete_topics([t for t in await admin.list_topics() if t.startswith(prefix)])
    finally:
        await admin.close()


@pytest.fixture(scope="session")
def stack(infra):
    name, database_url = asyncio.run(create_scratch_database(infra.database_url, "sy_e2e"))
    prefix = f"e2e{uuid.uuid4().hex[:8]}."
    asyncio.run(create_topics(prefix=prefix))
    ports = {s: free_port() for s in SERVICES}
    stack = Stack(env=stack_env(database_url, infra.kafka_bootstrap_servers, prefix, ports),
                  log_dir=Path(tempfile.mkdtemp(prefix="switchyard-e2e-")), ports=ports)
    try:
        for service in SERVICES:
            stack.start(service)
        for service, path in HEALTH.items():
            stack.wait_healthy(service, path)
        yield stack
    finally:
        stack.stop_all()
        asyncio.run(drop_database(infra.database_url, name))
        asyncio.run(_delete_topics(infra.kafka_bootstrap_servers, prefix))


@pytest.fixture(scope="session")
def admin(stack):
    with httpx.Client(base_url=stack.gateway, headers={"Authorization": "Bearer e2e-admin-token"},
                      timeout=10) as client:
        yield client


@pytest.fixture
def tenant(stack, admin):
    """A new tenant with 100.00 CNY, and an HTTP client that uses its API key."""
    created = admin.post("/v1/admin/tenants", json={"name": f"team-{uuid.uuid4().hex[:6]}"})
    assert created.status_code == 201, created.text
    body = created.json()
    credited = admin.post(f"/v1/admin/tenants/{body['id']}/credit", json={"amount": "100.00"})
    assert credited.status_code == 200, credited.text
    with httpx.Client(base_url=stack.gateway, headers={"Authorization": f"Bearer {body['api_key']}"},
                      timeout=10) as client:
        client.tenant_id = body["id"]
        yield client


@pytest.fixture
def receiver():
    r = Receiver(port=free_port()).start()
    yield r
    r.stop()


@pytest.fixture
def modelarts_faults(stack):
    """Set the ModelArts simulator's faults (e.g. sold_out=[flavor]) for one test."""
    url = f"http://127.0.0.1:{stack.ports['modelarts']}/_sim/faults"

    def set_faults(**faults):
        response = httpx.put(url, json=faults)
        assert response.status_code == 200, response.text

    yield set_faults
    set_faults()
