"""Watcher wiring: starts tracking on JobSubmitted, polls the vendor, publishes JobStateChanged."""

from faststream import FastStream

from contracts.events import JobLostOnVendor, JobStateChanged
from contracts.topics import JOBS_EVENTS
from services.common.asyncapi import document_publishes
from services.common.consumer import subscribe
from services.common.runtime import RuntimeRef, make_broker
from services.common.settings import get_settings
from services.watcher.watching import make_handler

SERVICE = "watcher"

runtime = RuntimeRef()
broker = make_broker(get_settings(), SERVICE)
subscribe(broker, JOBS_EVENTS, group="watcher", handler=make_handler(runtime))
document_publishes(broker, JOBS_EVENTS, JobStateChanged, JobLostOnVendor)

app = FastStream(broker)  # for AsyncAPI generation
