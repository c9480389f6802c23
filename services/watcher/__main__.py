"""`python -m services.watcher`: follows submitted jobs on their vendor."""

from services.common.runtime import run, serve
from services.watcher.app import SERVICE, broker, runtime, settings
from services.watcher.watching import poll_forever


def main() -> None:
    run(serve(SERVICE, broker, loops={"poll": poll_forever}, ref=runtime, settings=settings))


if __name__ == "__main__":
    main()
