"""`python -m services.scheduler`: queues requested jobs, places them on the vendors, and answers the catalog
and quotes on its internal API (SWITCHYARD_SCHEDULER_URL's port, default 8103)."""

from urllib.parse import urlparse

from services.common.runtime import Runtime, run, serve
from services.scheduler import metrics
from services.scheduler.app import (
    SERVICE, adapters, broker, catalog, dispatcher, enforce_funds, health, http_app, runtime, settings,
)


async def setup(rt: Runtime) -> None:
    for adapter in adapters.values():
        adapter.share_rate_budget(rt.pool)  # with the watcher, which calls the same accounts


async def refresh_catalog(rt: Runtime) -> None:
    await catalog.run_refresh(rt.pool, settings.catalog_refresh_s)


async def sample_metrics(rt: Runtime) -> None:
    await metrics.sample_forever(rt, settings.vendors, health)


def main() -> None:
    loops = {"dispatch": dispatcher.run, "enforce_funds": enforce_funds, "catalog_sync": refresh_catalog,
             "metrics": sample_metrics}
    run(serve(SERVICE, broker, setup=setup, loops=loops, ref=runtime, settings=settings, http_app=http_app,
                      http_port=urlparse(settings.scheduler_url).port or 8103,
                      metrics_port=settings.scheduler_metrics_port))


if __name__ == "__main__":
    main()
