"""Server-Sent Events framing: one `data:` field per line, named events, comments; read back by the client's
parser as the standard reads them."""

from services.gateway import sse
from switchyard_client.client import SseLines


def parse(stream: bytes) -> tuple[list[str], str | None]:
    parser, lines = SseLines(), []
    for line in stream.decode().split("\n"):
        lines += parser.feed(line)
    return lines, parser.ended


def test_a_line_is_one_event_with_one_data_field():
    assert sse.event("step 120/1000 loss 0.532") == b"data: step 120/1000 loss 0.532\n\n"


def test_an_empty_line_is_an_event_with_empty_data():
    assert sse.event("") == b"data: \n\n"
    assert parse(sse.event("")) == ([""], None)


def test_several_lines_are_one_data_field_each_whatever_their_line_breaks():
    assert sse.event("a\nb\r\nc\rd") == b"data: a\ndata: b\ndata: c\ndata: d\n\n"


def test_a_named_event_says_its_name_first():
    assert sse.event("SUCCEEDED", name="end") == b"event: end\ndata: SUCCEEDED\n\n"


def test_a_comment_is_ignored_by_readers():
    assert sse.comment("keep-alive") == b": keep-alive\n\n"
    assert parse(sse.comment("keep-alive")) == ([], None)


def test_a_stream_reads_back_as_its_lines_then_the_end():
    stream = b"".join([sse.event("one"), sse.comment(), sse.event("data: two"), sse.event("FAILED", name="end")])
    assert parse(stream) == (["one", "data: two"], "FAILED")
