"""Gateway wiring: the public HTTP API plus the read-model consumers."""

from faststream import FastStream

from contracts.events import JobCancelRequested, JobRequested, TenantLimitsSet, TenantStatusSet
from contracts.topics import BILLING_EVENTS, JOBS_COMMANDS, JOBS_EVENTS
from services.common.asyncapi import document_publishes
from services.common.consumer import subscribe
from services.common.runtime import RuntimeRef, make_broker
from services.gateway.api import create_app
from services.gateway.config import get_gateway_settings
from services.gateway.handlers import make_handler

SERVICE = "gateway"

runtime = RuntimeRef()
settings = get_gateway_settings()
broker = make_broker(settings, SERVICE)
read_model = make_handler(runtime)
subscribe(broker, JOBS_EVENTS, group="gateway", handler=read_model)
subscribe(broker, BILLING_EVENTS, group="gateway", handler=read_model)
document_publishes(broker, JOBS_COMMANDS, JobRequested, JobCancelRequested, TenantLimitsSet, TenantStatusSet)

app = FastStream(broker)  # for AsyncAPI generation
http_app = create_app()
