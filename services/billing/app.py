"""Billing wiring, all in this file: the broker, its subscribers (job events; the usage stream, in
batches), what it publishes, the meter and housekeeping loops, the internal HTTP app."""

import asyncio
import gc
from urllib.parse import urlsplit

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.structs import ConsumerRecord
from faststream import AckPolicy, FastStream
from faststream.kafka import KafkaMessage

from contracts.billing import BILLING_USAGE, JobFundsExhausted, JobFundsRestored, UsageMinute
from contracts.billing_events import FundsExhausted, FundsLow, PackageExpired, PackageLow
from contracts.events import Envelope, UsageCharged
from contracts.topics import BILLING_EVENTS, JOBS_EVENTS
from services.billing import handlers, usage_records, workers
from services.billing.api import create_app
from services.billing.config import get_billing_settings
from services.billing.policy import policy_from
from services.common.asyncapi import document_publishes
from services.common.consumer import RETRY_PAUSE_S, subscribe_batch
from services.common.kafka_options import client_options, consumer_options, new_topic
from services.common.logs import log
from services.common.runtime import Runtime, RuntimeRef, make_broker

settings = get_billing_settings()
policy = policy_from(settings)
broker = make_broker(settings, "billing")
app = FastStream(broker)  # for AsyncAPI generation (`make asyncapi`)
runtime = RuntimeRef()
http_port = urlsplit(settings.billing_url).port or 8101
RATER_GROUP = "billing.rater"
http_app = create_app()


async def setup(rt: Runtime) -> None:
    """The usage stream is billing's own topic: make sure it exists before the subscriber starts. Then
    everything loaded so far is frozen out of the garbage collector."""
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        topic = settings.topic(BILLING_USAGE)
        if topic not in await admin.list_topics():
            try:
                await admin.create_topics([new_topic(settings, topic)])
            except TopicAlreadyExistsError:
                pass
    finally:
        await admin.close()
    # A rated batch allocates some 10^5 short-lived objects, and each of the collector's full passes then
    # scanned every module, class and schema loaded at start: a quarter of the rater's CPU. Frozen
    # (CPython's gc.freeze), those are left out of every collection; what a batch leaves behind is not.
    gc.freeze()


async def metering(rt: Runtime) -> None:
    await workers.metering_loop(rt.pool, settings.metering_tick_s)


async def housekeeping(rt: Runtime) -> None:
    await workers.housekeeping_loop(rt.pool, settings.housekeeping_interval_s,
                                    settings.idempotency_ttl_h)


loops = {"metering": metering, "housekeeping": housekeeping}


async def on_job_events(envelopes: list[Envelope]) -> None:
    await handlers.handle_job_events(runtime().pool, runtime().settings.markup, policy, envelopes)


subscribe_batch(broker, JOBS_EVENTS, group="billing", handler=on_job_events, types=handlers.JOB_EVENT_TYPES)


async def _first_record_only(records: tuple[ConsumerRecord, ...], parse) -> KafkaMessage:
    """FastStream's batch parser decodes every record's headers into a dict and collects every body; the
    handler reads the raw records itself. Parse only the first (what the message's own headers and id come
    from) and hand the whole batch on as the raw message, which is what the ack and the rewind use."""
    message = await parse(records[:1])
    message.raw_message = records
    return message


def _undecoded(msg: KafkaMessage) -> None:
    """The handler reads the raw records; spare FastStream decoding every body as JSON first."""


async def on_usage(msg: KafkaMessage) -> None:
    """A batch of usage minutes, booked in one transaction; the offsets are committed after it. On a
    failure every partition of the batch is rewound and the batch comes again (charges already made
    are skipped then)."""
    minutes = usage_records.read(msg.raw_message, group=RATER_GROUP)
    try:
        await handlers.rate_usage(runtime().pool, minutes, policy)
    except Exception:
        log.exception("billing.rating_failed", minutes=len(minutes))
        await asyncio.sleep(RETRY_PAUSE_S)
        raise


# Several consumers in one group share the partitions: while one waits on PostgreSQL, another rates.
# The stream is keyed by tenant, so they never contend for the same tenant's balance.
for consumer in range(settings.rating_consumers):
    broker.subscriber(
        settings.topic(BILLING_USAGE), group_id=settings.topic_prefix + RATER_GROUP, batch=True,
        max_records=settings.rating_batch, batch_timeout_ms=50, ack_policy=AckPolicy.NACK_ON_ERROR,
        auto_offset_reset="earliest", title=f"{RATER_GROUP}:{BILLING_USAGE}", parser=_first_record_only,
        **consumer_options(settings),
        decoder=_undecoded,
        include_in_schema=consumer == 0,
    )(on_usage)


document_publishes(broker, BILLING_USAGE, UsageMinute)
document_publishes(broker, BILLING_EVENTS, UsageCharged, JobFundsExhausted, JobFundsRestored, FundsLow,
                   FundsExhausted, PackageLow, PackageExpired)
