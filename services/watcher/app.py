"""Watcher wiring: starts tracking on JobSubmitted, polls the vendor, publishes JobStateChanged (and
JobEndpointsChanged, JobLostOnVendor)."""

from faststream import FastStream

from contracts.events import Envelope, JobEndpointsChanged, JobLostOnVendor, JobStateChanged
from contracts.topics import JOBS_EVENTS
from services.common.asyncapi import document_publishes
from services.common.consumer import subscribe
from services.common.runtime import RuntimeRef, make_broker
from services.watcher import handlers
from services.watcher.config import get_watcher_settings

SERVICE = "watcher"

settings = get_watcher_settings()
runtime = RuntimeRef()
broker = make_broker(settings, SERVICE)


async def _on_event(envelope: Envelope) -> None:
    await handlers.on_event(runtime().pool, envelope)  # the runtime is set by serve()


subscribe(broker, JOBS_EVENTS, group=SERVICE, handler=_on_event)
document_publishes(broker, JOBS_EVENTS, JobStateChanged, JobLostOnVendor, JobEndpointsChanged)

app = FastStream(broker)  # for AsyncAPI generation
