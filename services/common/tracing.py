"""OpenTelemetry tracing; context crosses Kafka in the W3C `traceparent` header.

The outbox stores the traceparent of the transaction that wrote an event, so the trace survives the hop through
PostgreSQL and the relay; where work is picked up later from a table (a queued placement, a watched job, a webhook
delivery), the row keeps the traceparent of the event that made it, and the work continues that trace. Exporting is
off unless SWITCHYARD_OTEL_EXPORTER is `console` or `otlp` (OTLP over HTTP, configured by the standard
OTEL_EXPORTER_OTLP_* variables; spans are sent in batches).

Kafka spans follow OpenTelemetry's messaging conventions (`messaging_attributes`).
"""

from contextlib import contextmanager

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor
from opentelemetry.trace import SpanKind


_exporting = False


def exporting() -> bool:
    """Whether spans go anywhere. The spans that would cost the busiest loops most (one per Kafka record sent by
    a relay) are made only then; the trace context itself is carried either way."""
    return _exporting


def configure_tracing(service: str, exporter: str = "none") -> TracerProvider | None:
    """The SDK's tracer provider, exporting to `exporter`; None for "none": the API's own no-op tracer then
    answers every span (the instrumented HTTP apps' too) with a non-recording one that only carries the
    incoming trace context on, where the SDK would build and drop a real span per request."""
    global _exporting
    _exporting = exporter != "none"
    if not _exporting:
        return None
    provider = TracerProvider(resource=Resource.create({"service.name": f"switchyard-{service}"}))
    if exporter == "console":
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    elif exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter  # only when asked for
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return provider


def tracer() -> trace.Tracer:
    return trace.get_tracer("switchyard")


@contextmanager
def span(name: str, *, kind: SpanKind = SpanKind.INTERNAL, **attributes):
    """A child span of the current one: only while spans are exported (the hot paths pay nothing otherwise), and
    only inside a trace (background work, such as rating the meter's minutes, starts none)."""
    if not _exporting or not trace.get_current_span().get_span_context().is_valid:
        yield None
        return
    with tracer().start_as_current_span(name, kind=kind, attributes=attributes) as current:
        yield current


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


def context_of(traceparent: str | None) -> otel_context.Context:
    return propagate.extract({"traceparent": traceparent} if traceparent else {})


@contextmanager
def span_from_traceparent(name: str, traceparent: str | None, *, kind: SpanKind = SpanKind.INTERNAL, **attributes):
    """A span continuing the trace named by `traceparent` (a new trace when there is none). While spans are not
    exported, only the trace context is carried on (what runs inside still names that trace to what it writes),
    and the span yielded is the context's own non-recording one: making a span per placement or per consumed
    event cost the busiest loops several per cent for nothing."""
    token = otel_context.attach(context_of(traceparent))
    try:
        if not _exporting:
            yield trace.get_current_span()
            return
        with tracer().start_as_current_span(name, kind=kind, attributes=attributes) as span:
            yield span
    finally:
        otel_context.detach(token)


@contextmanager
def process_spans(envelopes, *, topic: str, group: str):
    """For a batch of events processed together: one consumer span in each event's own trace, covering the
    batch; only for events that are part of a trace (the meter's minutes are not), and only while spans are
    exported (a batch of thousands of events otherwise costs nothing)."""
    if not _exporting:
        yield
        return
    attributes = messaging_attributes("process", topic, group=group, batch=len(envelopes))
    spans = [tracer().start_span(f"process {topic}", context=context_of(e.traceparent), kind=SpanKind.CONSUMER,
                                 attributes={**attributes, "cloudevents.event_type": e.type})
             for e in envelopes if e.traceparent]
    try:
        yield
    finally:
        for span in spans:
            span.end()


def messaging_attributes(operation: str, topic: str, *, group: str | None = None, key: str | None = None,
                         batch: int | None = None) -> dict[str, str | int]:
    """OpenTelemetry's messaging attributes for a Kafka `operation` (`send`, `process`) on `topic`."""
    attributes: dict[str, str | int] = {"messaging.system": "kafka", "messaging.destination.name": topic,
                                        "messaging.operation.type": operation}
    if group is not None:
        attributes["messaging.consumer.group.name"] = group
    if key is not None:
        attributes["messaging.kafka.message.key"] = key
    if batch is not None:
        attributes["messaging.batch.message_count"] = batch
    return attributes
