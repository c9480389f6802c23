"""Notifier wiring: the Kafka subscribers (registered at import, so AsyncAPI sees them) and the internal
HTTP app (127.0.0.1 only: the gateway forwards /v1/webhooks, /v1/topics, /v1/subscriptions and
/v1/event-types here, with the caller's tenant in the path), assembled from its routers."""

from fastapi import FastAPI
from faststream import FastStream

from contracts.events import Envelope
from contracts.topics import BILLING_EVENTS, JOBS_EVENTS
from services.common.consumer import subscribe
from services.common.problems import install_problem_handlers
from services.common.runtime import make_broker
from services.notifier import handlers
from services.notifier.config import get_notifier_settings
from services.notifier.routes import event_types, ops, subscriptions, topics, webhooks

SERVICE = "notifier"


def create_app() -> FastAPI:
    app = FastAPI(title="Switchyard notifier (internal)", version="0.2.0")
    install_problem_handlers(app)
    for module in (ops, event_types, webhooks, topics, subscriptions):
        app.include_router(module.router)
    return app


settings = get_notifier_settings()
broker = make_broker(settings, SERVICE)
http_app = create_app()
app = FastStream(broker)


async def _on_event(envelope: Envelope) -> None:
    # The runtime is set by serve(); job and billing events alike become notifications.
    await handlers.on_event(http_app.state.runtime.pool, envelope, public_url=settings.public_base_url)


subscribe(broker, JOBS_EVENTS, group=SERVICE, handler=_on_event)
subscribe(broker, BILLING_EVENTS, group=SERVICE, handler=_on_event)
