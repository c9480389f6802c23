"""`python -m services.watcher`: follows submitted jobs on their vendor."""

from services.common.runtime import run, serve
from services.watcher import metrics
from services.watcher.app import SERVICE, broker, runtime, settings
from services.watcher.watching import poll_forever


def main() -> None:
    loops = {"poll": poll_forever, "metrics": metrics.sample_forever}
    run(serve(SERVICE, broker, loops=loops, ref=runtime, settings=settings, metrics_port=settings.watcher_metrics_port))


if __name__ == "__main__":
    main()
