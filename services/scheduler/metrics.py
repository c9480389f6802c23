"""The scheduler's Prometheus families: its queue by reason (sampled from PostgreSQL), the placements it made
or failed per vendor and outcome, how long a job waited from its request to its submission, and whether each
vendor is taking work."""

import asyncio
from datetime import UTC, datetime

from prometheus_client import Counter, Gauge, Histogram

from services.common.logs import log
from services.common.runtime import Runtime
from services.scheduler.health import VendorHealth

SAMPLE_S = 5.0
FIRST_TRY = "pending"  # the reason label of a job not tried yet (its queue reason is still empty)
# Shown at 0 from the start, so a dashboard has every reason before any job waited for it.
REASONS = (FIRST_TRY, "no_capacity", "funds", "quota")

QUEUE_DEPTH = Gauge("switchyard_queue_depth", "Jobs waiting in Switchyard's queue, by why they wait.", ["reason"])
QUEUE_OLDEST_WAIT = Gauge("switchyard_queue_oldest_wait_seconds",
                          "How long the longest-waiting job of each reason has waited since it was requested.",
                          ["reason"])
PLACEMENTS = Counter("switchyard_placements_total", "Submissions tried on a vendor, by outcome.",
                     ["vendor", "outcome"])
PLACEMENT_DURATION = Histogram("switchyard_placement_duration_seconds",
                               "From a job's request (JobRequested) to its submission on a vendor (JobSubmitted).",
                               buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600))
VENDOR_HEALTHY = Gauge("switchyard_vendor_healthy",
                       "1 while the scheduler places on the vendor, 0 while it is degraded (left out for a while).",
                       ["vendor"])


def placed(vendor: str, outcome: str) -> None:
    PLACEMENTS.labels(vendor, outcome).inc()


def submitted_after(requested_at: datetime) -> None:
    PLACEMENT_DURATION.observe(max((datetime.now(UTC) - requested_at).total_seconds(), 0.0))


async def sample_queue(runtime: Runtime, seen: set[str]) -> None:
    rows = await runtime.pool.fetch(
        """SELECT coalesce(queue_reason, $1) AS reason, count(*) AS depth, min(requested_at) AS oldest
           FROM scheduler.placements WHERE state = 'queued' GROUP BY 1""", FIRST_TRY)
    now = datetime.now(UTC)
    current = {row["reason"] for row in rows}
    for row in rows:
        QUEUE_DEPTH.labels(row["reason"]).set(row["depth"])
        QUEUE_OLDEST_WAIT.labels(row["reason"]).set(max((now - row["oldest"]).total_seconds(), 0.0))
    for reason in seen - current:  # emptied since the last sample
        QUEUE_DEPTH.labels(reason).set(0)
        QUEUE_OLDEST_WAIT.labels(reason).set(0)
    seen |= current


def sample_vendors(vendors: list[str], health: VendorHealth) -> None:
    degraded = health.degraded()
    for vendor in vendors:
        VENDOR_HEALTHY.labels(vendor).set(0 if vendor in degraded else 1)


async def sample_forever(runtime: Runtime, vendors: list[str], health: VendorHealth) -> None:
    seen: set[str] = set(REASONS)
    while True:
        sample_vendors(vendors, health)
        try:
            await sample_queue(runtime, seen)
        except Exception as exc:  # noqa: BLE001 - a failed sample leaves the gauges as they were, never fatal
            log.warning("metrics.sample_failed", error=repr(exc))
        await asyncio.sleep(SAMPLE_S)
