"""OpenTelemetry tracing; context crosses Kafka in the W3C `traceparent` header.

The outbox stores the traceparent of the transaction that wrote an event, so the trace survives the
hop through PostgreSQL and the relay. Exporting is off unless SWITCHYARD_OTEL_EXPORTER=console.
"""

from contextlib import contextmanager

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor


def configure_tracing(service: str, exporter: str = "none") -> None:
    provider = TracerProvider(resource=Resource.create({"service.name": f"switchyard-{service}"}))
    if exporter == "console":
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    trace.set_tracer_provider(provider)


def tracer() -> trace.Tracer:
    return trace.get_tracer("switchyard")


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


@contextmanager
def span_from_traceparent(name: str, traceparent: str | None, **attributes):
    """A span continuing the trace named by `traceparent` (a new trace when there is none)."""
    parent = propagate.extract({"traceparent": traceparent} if traceparent else {})
    token = otel_context.attach(parent)
    try:
        with tracer().start_as_current_span(name, attributes=attributes) as span:
            yield span
    finally:
        otel_context.detach(token)
