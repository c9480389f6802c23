"""Notifier wiring: the Kafka subscribers (registered at import, so AsyncAPI sees them) and the HTTP app."""

from faststream import FastStream

from contracts.events import Envelope
from contracts.topics import BILLING_EVENTS, JOBS_EVENTS
from services.common.consumer import subscribe
from services.common.runtime import make_broker
from services.notifier import handlers
from services.notifier.api import create_app
from services.notifier.config import get_notifier_settings

SERVICE = "notifier"

settings = get_notifier_settings()
broker = make_broker(settings, SERVICE)
http_app = create_app()
app = FastStream(broker)


async def _on_event(envelope: Envelope) -> None:
    # The runtime is set by serve(); job and billing events alike become notifications.
    await handlers.on_event(http_app.state.runtime.pool, envelope, public_url=settings.public_base_url)


subscribe(broker, JOBS_EVENTS, group=SERVICE, handler=_on_event)
subscribe(broker, BILLING_EVENTS, group=SERVICE, handler=_on_event)
