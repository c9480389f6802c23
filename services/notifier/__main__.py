"""`python -m services.notifier`: consumer, delivery worker and internal API in one process."""

from urllib.parse import urlparse

from services.common.runtime import run, serve
from services.notifier import delivery, metrics
from services.notifier.app import SERVICE, broker, http_app, settings


def main() -> None:
    run(serve(
        SERVICE, broker, loops={"delivery": delivery.run, "metrics": metrics.sample_forever}, http_app=http_app,
        http_port=urlparse(settings.notifier_url).port or 8102, publishes=False, settings=settings,
    ))


if __name__ == "__main__":
    main()
