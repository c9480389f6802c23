"""Scheduler wiring: consumes job commands and job events, dispatches Switchyard's queue onto the
vendors, owns the flavor catalog (the one reader of vendor flavors) and publishes through its outbox."""

from faststream import FastStream

from contracts.catalog import FlavorChanged
from contracts.events import (
    JobExclusionsChanged, JobPlacementAttempted, JobRejected, JobStateChanged, JobStopRequested, JobSubmitted,
    VendorHealthChanged,
)
from contracts.topics import BILLING_EVENTS, JOBS_COMMANDS, JOBS_EVENTS, VENDOR_EVENTS
from services.common.asyncapi import document_publishes
from services.common.consumer import subscribe, subscribe_batch
from services.common.runtime import RuntimeRef, make_broker
from services.scheduler.api import create_app
from services.scheduler.billing_client import BillingClient
from services.scheduler.catalog import Catalog
from services.scheduler.config import get_scheduler_settings
from services.scheduler.dispatcher import Dispatcher
from services.scheduler.handlers import (
    JOB_EVENT_TYPES, CommandHandler, make_enforcer, make_funds_handler, make_job_event_handler,
)
from services.scheduler.health import VendorHealth
from services.vendors import make_adapter

SERVICE = "scheduler"

settings = get_scheduler_settings()
runtime = RuntimeRef()
broker = make_broker(settings, SERVICE)
adapters = {vendor: make_adapter(vendor) for vendor in settings.vendors}
catalog = Catalog(adapters)
health = VendorHealth()
billing = BillingClient(settings.billing_url)
dispatcher = Dispatcher(adapters, catalog, health, billing, settings.admission_minutes)
enforce_funds = make_enforcer(adapters)

subscribe_batch(broker, JOBS_COMMANDS, group="scheduler",
                handler=CommandHandler(runtime, adapters, catalog).handle_batch)
subscribe_batch(broker, JOBS_EVENTS, group="scheduler", handler=make_job_event_handler(runtime), types=JOB_EVENT_TYPES)
subscribe(broker, BILLING_EVENTS, group="scheduler", handler=make_funds_handler(runtime))
document_publishes(broker, JOBS_EVENTS, JobSubmitted, JobRejected, JobPlacementAttempted, JobStateChanged,
                   JobExclusionsChanged, JobStopRequested)
document_publishes(broker, VENDOR_EVENTS, VendorHealthChanged, FlavorChanged)

app = FastStream(broker)  # for AsyncAPI generation
http_app = create_app()
http_app.state.catalog, http_app.state.health, http_app.state.billing = catalog, health, billing
http_app.state.adapters, http_app.state.invoke_timeout_s = adapters, settings.invoke_timeout_s
