"""`python -m services.gateway`: the public API on SWITCHYARD_GATEWAY_PORT (default 8000)."""

from services.common.http1 import HttpClient
from services.common.runtime import Runtime, run, serve
from services.gateway import log_capture
from services.gateway.app import SERVICE, broker, http_app, runtime, settings


async def _setup(rt: Runtime) -> None:
    http_app.state.internal_client = HttpClient(user_agent="switchyard-gateway")


async def _capture_logs(rt: Runtime) -> None:
    await log_capture.run(rt, lambda: http_app.state.internal_client)


def main() -> None:
    run(serve(SERVICE, broker, setup=_setup, loops={"log_capture": _capture_logs}, http_app=http_app,
              http_port=settings.gateway_port, settings=settings, ref=runtime))


if __name__ == "__main__":
    main()
