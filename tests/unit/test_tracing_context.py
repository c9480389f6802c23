"""While spans are not exported, the trace context is still carried on (what runs inside writes the same trace
into its events and rows), and no span is made."""

from services.common import tracing

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def test_the_context_is_carried_and_no_span_made(monkeypatch):
    monkeypatch.setattr(tracing, "_exporting", False)

    def no_tracer():
        raise AssertionError("a span was made while nothing exports spans")

    monkeypatch.setattr(tracing, "tracer", no_tracer)
    with tracing.span_from_traceparent("place job", TRACEPARENT, **{"switchyard.job_id": "j"}) as span:
        assert tracing.current_traceparent() == TRACEPARENT
        span.set_attribute("http.response.status_code", 200)  # callers may annotate it: a no-op
        assert not span.is_recording()
    assert tracing.current_traceparent() is None  # detached afterwards


def test_without_a_traceparent_there_is_no_trace_to_carry(monkeypatch):
    monkeypatch.setattr(tracing, "_exporting", False)
    with tracing.span_from_traceparent("place job", None):
        assert tracing.current_traceparent() is None
