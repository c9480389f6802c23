"""Wiring: the broker and its subscriber, the metering loop, the internal HTTP app."""

from urllib.parse import urlsplit

from faststream import FastStream

from contracts.events import Envelope, UsageCharged
from contracts.topics import BILLING_EVENTS, JOBS_EVENTS
from services.billing import handlers
from services.billing.api import http_app  # noqa: F401 - the process serves it (see __main__)
from services.common.asyncapi import document_publishes
from services.common.consumer import subscribe
from services.common.runtime import RuntimeRef, make_broker
from services.common.settings import get_settings

settings = get_settings()
broker = make_broker(settings, "billing")
app = FastStream(broker)  # for AsyncAPI generation (`make asyncapi`)
runtime = RuntimeRef()
http_port = urlsplit(settings.billing_url).port or 8101
loops = {"metering": handlers.metering_loop}


async def on_job_event(envelope: Envelope) -> None:
    await handlers.handle_job_event(runtime().pool, runtime().settings.markup, envelope)


subscribe(broker, JOBS_EVENTS, group="billing", handler=on_job_event)
document_publishes(broker, BILLING_EVENTS, UsageCharged)
