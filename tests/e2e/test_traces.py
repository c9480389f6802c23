"""One trace from `POST /v1/jobs` to the webhook: a stack of this module's own exports its spans over OTLP/HTTP
(SWITCHYARD_OTEL_EXPORTER=otlp, the standard OTEL_EXPORTER_OTLP_* variables) to a local receiver, which decodes
them with OpenTelemetry's own protobuf messages. The job's trace holds spans of the gateway, the scheduler (its
vendor call too), the watcher, billing and the notifier, and its Kafka spans carry the messaging attributes."""

import asyncio
import tempfile
import uuid
from collections import defaultdict
from pathlib import Path

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from services.cli import create_topics
from tests.e2e.helpers import job_in, verified_webhooks, wait_for
from tests.e2e.receiver import Receiver
from tests.e2e.stack import SIMULATORS, Stack, free_port, stack_env
from tests.e2e.test_walking_skeleton import training
from tests.scratch_db import create_scratch_database, drop_database

pytestmark = pytest.mark.e2e

SERVICES = ("modelarts", "billing", "notifier", "scheduler", "watcher", "gateway")
HEALTH = {"modelarts": "/_sim/faults", "billing": "/healthz", "notifier": "/healthz", "scheduler": "/healthz",
          "gateway": "/readyz"}
TRACED = {"gateway", "scheduler", "watcher", "billing", "notifier"}


@pytest.fixture(scope="module")
def collector():
    receiver = Receiver(port=free_port()).start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="module")
def traced(infra, collector):
    """A whole stack (ModelArts only) of its own database and topics, exporting its spans to `collector`."""
    name, database_url = asyncio.run(create_scratch_database(infra.database_url, "sy_traces"))
    prefix = f"traces{uuid.uuid4().hex[:8]}."
    asyncio.run(create_topics(prefix=prefix))
    ports = {s: free_port() for s in (*SIMULATORS, *SERVICES)}  # only ModelArts' simulator is started
    env = stack_env(database_url, infra.kafka_bootstrap_servers, prefix, ports) | {
        "SWITCHYARD_VENDORS": "modelarts", "SWITCHYARD_OTEL_EXPORTER": "otlp",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": collector.url, "OTEL_BSP_SCHEDULE_DELAY": "200"}
    stack = Stack(env=env, log_dir=Path(tempfile.mkdtemp(prefix="switchyard-e2e-traces-")), ports=ports)
    try:
        for service in SERVICES:
            stack.start(service)
        for service, path in HEALTH.items():
            stack.wait_healthy(service, path)
        yield stack
    finally:
        stack.stop_all()
        asyncio.run(drop_database(infra.database_url, name))


def spans(collector: Receiver) -> list[dict]:
    found = []
    for received in list(collector.requests):
        request = ExportTraceServiceRequest.FromString(received.body)
        for resource_spans in request.resource_spans:
            resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope in resource_spans.scope_spans:
                for span in scope.spans:
                    found.append({
                        "service": resource["service.name"].removeprefix("switchyard-"), "name": span.name,
                        "trace_id": span.trace_id.hex(),
                        "attributes": {a.key: a.value.string_value or a.value.int_value for a in span.attributes}})
    return found


def test_one_trace_runs_from_the_request_to_the_webhook(traced, collector):
    admin = httpx.Client(base_url=traced.gateway, headers={"Authorization": "Bearer e2e-admin-token"}, timeout=10)
    tenant = admin.post("/v1/admin/tenants", json={"name": "traced"}).json()
    assert admin.post(f"/v1/admin/tenants/{tenant['id']}/credit", json={"amount": "50.00"}).status_code == 200
    client = httpx.Client(base_url=traced.gateway, headers={"Authorization": f"Bearer {tenant['api_key']}"},
                          timeout=10)
    hooks = Receiver(port=free_port()).start()
    try:
        secret = client.post("/v1/webhooks", json={"url": hooks.url, "event_types": ["job.succeeded"]}).json()["secret"]
        job_id = client.post("/v1/jobs", json=training("traced", SWITCHYARD_SIM_RUN_SECONDS="1")).json()["id"]
        assert job_in(client, job_id, "SUCCEEDED", "FAILED")["status"] == "SUCCEEDED"
        wait_for(lambda: any(p["data"]["job_id"] == job_id for _, p in verified_webhooks(hooks, secret)),
                 what="the job's webhook")
    finally:
        hooks.stop()

    def job_trace():
        placing = [s for s in spans(collector) if s["name"] == "place job"
                   and s["attributes"].get("switchyard.job_id") == job_id]
        if not placing:
            return None
        trace = [s for s in spans(collector) if s["trace_id"] == placing[0]["trace_id"]]
        by_service = defaultdict(set)
        for span in trace:
            by_service[span["service"]].add(span["name"])
        delivered = any(name.startswith("deliver ") for name in by_service["notifier"])
        return trace if TRACED <= set(by_service) and delivered else None
    trace = wait_for(job_trace, timeout_s=60, what="one trace across the five services")

    names = {(s["service"], s["name"]) for s in trace}
    assert ("scheduler", "modelarts submit") in names, names
    assert any(service == "gateway" and name.startswith("POST") for service, name in names), names
    kafka = [s for s in trace if s["attributes"].get("messaging.system") == "kafka"]
    sends = [s for s in kafka if s["attributes"]["messaging.operation.type"] == "send"]
    processed = [s for s in kafka if s["attributes"]["messaging.operation.type"] == "process"]
    assert sends and processed
    assert all(s["attributes"]["messaging.destination.name"].startswith("traces") for s in kafka)
    assert all("messaging.consumer.group.name" in s["attributes"] for s in processed)
    assert any("messaging.kafka.message.key" in s["attributes"] for s in sends)
