"""The notifier's Prometheus families: every attempt's outcome (delivered; failed and retried later; failed for
good), how long a receiver took to answer, and how many targets' circuit breakers are open (sampled)."""

import asyncio

from prometheus_client import Counter, Gauge, Histogram

from services.common.logs import log
from services.common.runtime import Runtime

SAMPLE_S = 5.0

DELIVERIES = Counter("switchyard_webhook_deliveries_total",
                     "Attempts recorded, by the delivery's state after them: delivered, retrying or failed.",
                     ["outcome"])
DELIVERY_LATENCY = Histogram("switchyard_webhook_delivery_latency_seconds",
                             "How long one attempt took, from connecting to the receiver's last byte.",
                             buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30))
BREAKERS_OPEN = Gauge("switchyard_webhook_breakers_open",
                      "Targets (endpoints, subscribers) whose circuit breaker holds their deliveries back.")

OUTCOME = {"delivered": "delivered", "pending": "retrying", "failed": "failed"}
for _outcome in OUTCOME.values():  # every outcome's series from the start, at 0
    DELIVERIES.labels(_outcome)


def attempted(status: str, latency_ms: int) -> None:
    """One attempt recorded (after its commit), the delivery now in `status`."""
    DELIVERIES.labels(OUTCOME.get(status, status)).inc()
    DELIVERY_LATENCY.observe(latency_ms / 1000)


async def sample_forever(runtime: Runtime) -> None:
    while True:
        try:
            BREAKERS_OPEN.set(await runtime.pool.fetchval(
                "SELECT count(*) FROM notifier.target_health WHERE open_until > now()"))
        except Exception as exc:  # noqa: BLE001 - a failed sample leaves the gauge as it was, never fatal
            log.warning("metrics.sample_failed", error=repr(exc))
        await asyncio.sleep(SAMPLE_S)
