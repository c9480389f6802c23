"""Notifier wiring: the Kafka subscriber (registered at import, so AsyncAPI sees it) and the HTTP app."""

from faststream import FastStream

from contracts.events import Envelope
from contracts.topics import JOBS_EVENTS
from services.common.consumer import subscribe
from services.common.runtime import make_broker
from services.common.settings import get_settings
from services.notifier import handlers
from services.notifier.api import create_app

SERVICE = "notifier"

settings = get_settings()
broker = make_broker(settings, SERVICE)
http_app = create_app()
app = FastStream(broker)


async def _on_job_event(envelope: Envelope) -> None:
    await handlers.on_job_event(http_app.state.runtime.pool, envelope)  # runtime is set by serve()


subscribe(broker, JOBS_EVENTS, group=SERVICE, handler=_on_job_event)
