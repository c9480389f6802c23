"""The watcher's Prometheus families: the jobs it follows by vendor and status (sampled from PostgreSQL), how
long after the vendor's own time of a change the watcher saw it, and how long each vendor's tick took."""

import asyncio
from datetime import datetime

from prometheus_client import Gauge, Histogram

from services.common.logs import log
from services.common.runtime import Runtime

SAMPLE_S = 5.0

JOBS_ACTIVE = Gauge("switchyard_jobs_active", "Jobs the watcher follows, by vendor and Switchyard status.",
                    ["vendor", "status"])
DETECTION_LAG = Histogram("switchyard_watch_detection_lag_seconds",
                          "From the vendor's time of a state change (where it reports one) to the watcher seeing it.",
                          ["vendor"], buckets=(0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300))
CYCLE_DURATION = Histogram("switchyard_watch_cycle_duration_seconds", "One tick of one vendor's poller.",
                           ["vendor"], buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60))


def seen(vendor: str, vendor_time: datetime | None, observed_at: datetime) -> None:
    if vendor_time is not None:
        DETECTION_LAG.labels(vendor).observe(max((observed_at - vendor_time).total_seconds(), 0.0))


def cycle(vendor: str, seconds: float) -> None:
    CYCLE_DURATION.labels(vendor).observe(seconds)


async def sample_forever(runtime: Runtime) -> None:
    vendors = runtime.settings.vendors
    for vendor in vendors:  # every vendor's series from the start, before it has a job
        DETECTION_LAG.labels(vendor)
        CYCLE_DURATION.labels(vendor)
    known = {(vendor, status) for vendor in vendors for status in ("PENDING", "QUEUED", "RUNNING")}
    while True:
        try:
            rows = await runtime.pool.fetch(
                "SELECT vendor, status, count(*) AS jobs FROM watcher.tracked_jobs WHERE active GROUP BY 1, 2")
            current = {(row["vendor"], row["status"]): row["jobs"] for row in rows}
            for labels in known - set(current):  # none left with that status
                JOBS_ACTIVE.labels(*labels).set(0)
            for labels, jobs in current.items():
                JOBS_ACTIVE.labels(*labels).set(jobs)
            known |= set(current)
        except Exception as exc:  # noqa: BLE001 - a failed sample leaves the gauges as they were, never fatal
            log.warning("metrics.sample_failed", error=repr(exc))
        await asyncio.sleep(SAMPLE_S)
