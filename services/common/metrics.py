"""Prometheus metrics every service has, and how a service serves its own: at `/metrics` on its HTTP app (the
gateway, billing, the notifier) or on a metrics port of its own (the scheduler, the watcher).

The family names are a contract operators build dashboards and alerts on (infra/observability/); no label
carries a tenant or a job, so a family's size is bounded by the vendors, routes and topics there are. Beside
these, prometheus-client's default registry adds the process collector (CPU, memory, open files)."""

import asyncio
from datetime import UTC, datetime

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Gauge, generate_latest, start_http_server
from starlette.requests import Request
from starlette.responses import Response

from services.common.logs import log

SAMPLE_S = 5.0  # how often the gauges read from PostgreSQL and Kafka are refreshed

OUTBOX_PENDING = Gauge("switchyard_outbox_pending", "Outbox rows not yet published to Kafka.", ["service"])
OUTBOX_OLDEST_AGE = Gauge("switchyard_outbox_oldest_age_seconds",
                          "How long the oldest unpublished outbox row has waited (0 when none waits).", ["service"])
CONSUMER_LAG = Gauge("switchyard_consumer_lag",
                     "Records on a topic not yet committed by a consumer group (summed over partitions).",
                     ["group", "topic"])


def add_route(app) -> None:
    """`GET /metrics` on a service's HTTP app (left out of its OpenAPI document)."""
    async def scrape(request: Request) -> Response:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
    app.add_route("/metrics", scrape, methods=["GET"], include_in_schema=False)


def serve_on_port(port: int, host: str = "127.0.0.1") -> None:
    """`/metrics` on a port of its own (in a thread of prometheus-client's), for a service whose HTTP app is
    internal or that has none. A port already taken costs the metrics, not the service."""
    try:
        start_http_server(port, addr=host)
    except OSError as exc:
        log.error("metrics.port_unavailable", port=port, error=repr(exc))


async def sample_outbox(pool: asyncpg.Pool, service: str) -> None:
    row = await pool.fetchrow(
        f"""SELECT count(*) AS pending,
                   (SELECT created_at FROM {service}.outbox WHERE published_at IS NULL ORDER BY id LIMIT 1) AS oldest
            FROM {service}.outbox WHERE published_at IS NULL""")
    OUTBOX_PENDING.labels(service).set(row["pending"])
    age = (datetime.now(UTC) - row["oldest"]).total_seconds() if row["oldest"] else 0.0
    OUTBOX_OLDEST_AGE.labels(service).set(max(age, 0.0))


class ConsumerLag:
    """End offsets less committed offsets, per (group, topic), for the groups this process consumes in."""

    def __init__(self, bootstrap: list[str], subscriptions: list[tuple[str, str, str, str]]):
        # (kafka group id, kafka topic, group label, topic label)
        self._bootstrap, self._subscriptions = bootstrap, subscriptions
        self._admin: AIOKafkaAdminClient | None = None
        self._offsets: AIOKafkaConsumer | None = None

    async def sample(self) -> None:
        if self._admin is None:
            self._admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap)
            await self._admin.start()
            self._offsets = AIOKafkaConsumer(bootstrap_servers=self._bootstrap, enable_auto_commit=False)
            await self._offsets.start()
        for group_id, topic, group, topic_label in self._subscriptions:
            committed = await self._admin.list_consumer_group_offsets(group_id)
            if self._offsets.partitions_for_topic(topic) is None:
                await self._offsets.topics()  # a consumer subscribed to nothing learns the topics' metadata so
            partitions = [TopicPartition(topic, p) for p in (self._offsets.partitions_for_topic(topic) or ())]
            ends = await self._offsets.end_offsets(partitions)
            lag = sum(max(ends[tp] - (committed[tp].offset if tp in committed else 0), 0) for tp in partitions)
            CONSUMER_LAG.labels(group, topic_label).set(lag)

    async def close(self) -> None:
        if self._offsets is not None:
            await self._offsets.stop()
        if self._admin is not None:
            await self._admin.close()


async def sample_forever(pool: asyncpg.Pool, service: str, lag: ConsumerLag | None, *, publishes: bool) -> None:
    """Refresh the sampled gauges every SAMPLE_S; an outage leaves them at their last value."""
    try:
        while True:
            try:
                if publishes:
                    await sample_outbox(pool, service)
                if lag is not None:
                    await lag.sample()
            except Exception as exc:  # noqa: BLE001 - a failed sample leaves the gauges as they were, never fatal
                log.warning("metrics.sample_failed", error=repr(exc))
            await asyncio.sleep(SAMPLE_S)
    finally:
        if lag is not None:
            await lag.close()
