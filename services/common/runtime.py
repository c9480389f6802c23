"""One service process: database pool, Kafka consumers, an outbox relay, background loops and
optionally an HTTP app, started together and stopped cleanly on SIGINT/SIGTERM."""

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import asyncpg
import uvicorn
import uvloop
from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

from services.common import metrics
from services.common.consumer import PARKING, SUBSCRIPTIONS
from services.common.db import CONNECTION_ERRORS, create_pool
from services.common.kafka_options import bootstrap_servers, client_options, producer_options
from services.common.logs import configure_logging, log
from services.common.outbox import OutboxRelay, key_partitioner
from services.common.settings import Settings, get_settings
from services.common.tracing import configure_tracing

Loop = Callable[["Runtime"], Awaitable[None]]


@dataclass
class Runtime:
    """What a running service has at hand; handed to its loops and handlers."""

    service: str
    settings: Settings
    pool: asyncpg.Pool
    broker: KafkaBroker
    producer: AIOKafkaProducer | None = None
    extras: dict = field(default_factory=dict)


class RuntimeRef:
    """The runtime of this process, known once `serve` has started it. Kafka subscribers are
    registered at import (so AsyncAPI can be generated from the broker) and reach the pool here."""

    def __init__(self) -> None:
        self._runtime: Runtime | None = None

    def set(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def __call__(self) -> Runtime:
        if self._runtime is None:
            raise RuntimeError("the service has not started")
        return self._runtime


def make_broker(settings: Settings, service: str) -> KafkaBroker:
    # FastStream logs every message at INFO; ours are the structured log lines, so demote its own.
    return KafkaBroker(**client_options(settings), client_id=f"switchyard-{service}", log_level=logging.DEBUG)


async def _guard(name: str, coro: Awaitable[None]) -> None:
    """Background loops must never die silently: log and restart after a pause."""
    while True:
        try:
            await coro()
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if asyncio.current_task().cancelling():
                raise  # failing while being stopped: stop, don't restart
            if isinstance(exc, CONNECTION_ERRORS):  # the database or the network away: an outage, not a bug
                log.warning("loop.outage", loop=name, error=repr(exc))
            else:
                log.exception("loop.crashed", loop=name)
            await asyncio.sleep(2.0)


def run(main: Awaitable[None]) -> None:
    """A service process's main coroutine, on uvloop: the loop uvicorn picks when it owns the loop (the
    simulators), here for every service, whose HTTP, Kafka and PostgreSQL I/O it serves with less CPU per call
    than asyncio's own loop."""
    uvloop.run(main)


async def serve(
    service: str,
    broker: KafkaBroker,
    *,
    setup: Callable[[Runtime], Awaitable[None]] | None = None,
    loops: dict[str, Loop] | None = None,
    publishes: bool = True,
    http_app=None,
    http_port: int | None = None,
    settings: Settings | None = None,
    ref: RuntimeRef | None = None,
    metrics_port: int | None = None,
) -> None:
    """Run one service until SIGINT/SIGTERM. Its Prometheus metrics are served at `/metrics` on `http_app`, or
    on `metrics_port` when it has no HTTP app of its own."""
    settings = settings or get_settings()
    configure_logging(service, settings.log_level)
    tracing = configure_tracing(service, settings.otel_exporter)
    pool = await create_pool(settings.database_url)
    PARKING.use(pool)  # the consumers park what they give up on through the process's own pool
    runtime = Runtime(service=service, settings=settings, pool=pool, broker=broker)
    if ref is not None:
        ref.set(runtime)
    if http_app is not None:
        http_app.state.runtime = runtime
        if settings.metrics:
            metrics.add_route(http_app)
        http_app.add_middleware(OpenTelemetryMiddleware)  # a server span per request, its traceparent read
    if metrics_port is not None and settings.metrics:
        metrics.serve_on_port(metrics_port, settings.listen_host)
    if setup:
        await setup(runtime)

    tasks: list[asyncio.Task] = []
    server = None
    try:
        if publishes:
            # Idempotent producer: broker-side dedup of retried sends; acks=all is implied (kafka_options).
            runtime.producer = AIOKafkaProducer(
                **producer_options(settings), client_id=f"switchyard-{service}-relay",
                linger_ms=5,  # lets a relay batch's sends share requests; the relay awaits every ack anyway
                # A relay batch (up to 1,000 rows) fits a partition's record batch: with the default 16 KiB
                # the relay waited for a batch to drain every few dozen events.
                max_batch_size=512 * 1024, partitioner=key_partitioner,
            )
            await runtime.producer.start()
            relay = OutboxRelay(pool, service, runtime.producer, poll_s=settings.outbox_poll_s)
            tasks.append(asyncio.create_task(_guard("outbox", relay.run)))
        await broker.start()
        if settings.metrics:
            lag = metrics.ConsumerLag(bootstrap_servers(settings), list(SUBSCRIPTIONS)) if SUBSCRIPTIONS else None
            tasks.append(asyncio.create_task(metrics.sample_forever(pool, service, lag, publishes=publishes)))
        for name, loop in (loops or {}).items():
            tasks.append(asyncio.create_task(_guard(name, lambda loop=loop: loop(runtime))))
        if http_app is not None:
            config = uvicorn.Config(http_app, host=settings.listen_host, port=http_port, log_config=None,
                                    access_log=False, lifespan="off")
            server = uvicorn.Server(config)
            server.install_signal_handlers = lambda: None  # we own the signals
            tasks.append(asyncio.create_task(server.serve()))
        # What start-up made (modules, routes, schemas, clients) lives as long as the process: frozen out of the
        # collector's reach, a full collection no longer walks it (tens of ms each, a request's tail latency).
        gc.freeze()
        log.info("service.started", http_port=http_port)
        await _wait_for_signal()
    finally:
        log.info("service.stopping")
        if server is not None:
            server.should_exit = True
        for task in tasks:
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await broker.stop()
        if runtime.producer is not None:
            with contextlib.suppress(Exception):
                await runtime.producer.stop()
        await pool.close()
        if tracing is not None:
            tracing.shutdown()  # the spans still batched go out before the process ends
        log.info("service.stopped")


async def _wait_for_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
