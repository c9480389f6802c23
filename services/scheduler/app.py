"""Scheduler wiring: consumes job commands and job events, dispatches Switchyard's queue onto the
vendors, publishes placements through its outbox."""

from faststream import FastStream

from contracts.catalog import FlavorChanged
from contracts.events import (
    JobPlacementAttempted, JobRejected, JobStateChanged, JobStopRequested, JobSubmitted, VendorHealthChanged,
)
from contracts.topics import BILLING_EVENTS, JOBS_COMMANDS, JOBS_EVENTS, VENDOR_EVENTS
from services.common.asyncapi import document_publishes
from services.common.consumer import subscribe, subscribe_batch
from services.common.runtime import RuntimeRef, make_broker
from services.common.settings import get_settings
from services.vendors.catalog import FlavorCatalog
from services.scheduler.catalog_sync import CatalogSync
from services.scheduler.dispatcher import Dispatcher
from services.common.billing_client import BillingClient
from services.scheduler.handlers import (
    JOB_EVENT_TYPES, CommandHandler, make_enforcer, make_funds_handler, make_job_event_handler,
)
from services.scheduler.health import VendorHealth
from services.vendors import make_adapter

SERVICE = "scheduler"

settings = get_settings()
runtime = RuntimeRef()
broker = make_broker(settings, SERVICE)
adapters = {vendor: make_adapter(vendor) for vendor in settings.vendors}
catalog = FlavorCatalog(adapters)
dispatcher = Dispatcher(adapters, catalog, VendorHealth(), BillingClient(settings.billing_url),
                        settings.admission_minutes)
catalog_sync = CatalogSync(adapters, catalog)  # its loop runs from __main__; refreshes on demand by command
enforce_funds = make_enforcer(adapters)

subscribe_batch(broker, JOBS_COMMANDS, group="scheduler",
                handler=CommandHandler(runtime, adapters, catalog_sync).handle_batch)
subscribe_batch(broker, JOBS_EVENTS, group="scheduler", handler=make_job_event_handler(runtime), types=JOB_EVENT_TYPES)
subscribe(broker, BILLING_EVENTS, group="scheduler", handler=make_funds_handler(runtime))
document_publishes(broker, JOBS_EVENTS, JobSubmitted, JobRejected, JobPlacementAttempted, JobStateChanged,
                   JobStopRequested)
document_publishes(broker, VENDOR_EVENTS, VendorHealthChanged, FlavorChanged)

app = FastStream(broker)  # for AsyncAPI generation
