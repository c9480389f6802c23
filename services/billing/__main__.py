"""`python -m services.billing`: the meter, the rater, the ledger and the internal API on SWITCHYARD_BILLING_URL's port."""

from services.billing.app import broker, http_app, http_port, loops, runtime, settings, setup
from services.common.runtime import run, serve


def main() -> None:
    run(serve("billing", broker, ref=runtime, setup=setup, loops=loops, http_app=http_app,
                      http_port=http_port, settings=settings))


if __name__ == "__main__":
    main()
