"""Scheduler wiring: consumes job commands, publishes placements through its outbox."""

from faststream import FastStream

from contracts.events import JobRejected, JobSubmitted
from contracts.topics import JOBS_COMMANDS, JOBS_EVENTS
from services.common.asyncapi import document_publishes
from services.common.consumer import subscribe
from services.common.runtime import RuntimeRef, make_broker
from services.common.settings import get_settings
from services.scheduler.handlers import Scheduler
from services.vendors import make_adapter

SERVICE = "scheduler"

runtime = RuntimeRef()
broker = make_broker(get_settings(), SERVICE)
scheduler = Scheduler(runtime, make_adapter)
subscribe(broker, JOBS_COMMANDS, group="scheduler", handler=scheduler.handle)
document_publishes(broker, JOBS_EVENTS, JobSubmitted, JobRejected)

app = FastStream(broker)  # for AsyncAPI generation
