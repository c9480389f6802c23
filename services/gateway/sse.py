"""Server-Sent Events framing (the WHATWG HTML standard's `text/event-stream`): one event per log line, a
closing `end` event, and comments that keep an idle connection open."""

MEDIA_TYPE = "text/event-stream"


def event(data: str, *, name: str | None = None) -> bytes:
    """One event. `data` of several lines becomes one `data:` field per line (a client joins them with
    newlines again); a line break of any kind (CR, LF, CRLF) ends a line, as the standard reads them."""
    fields = [f"event: {name}"] if name else []
    fields += [f"data: {line}" for line in (data.replace("\r\n", "\n").replace("\r", "\n").split("\n"))]
    return ("\n".join(fields) + "\n\n").encode()


def comment(text: str = "") -> bytes:
    """A comment line, ignored by clients: a keep-alive."""
    return f": {text}\n\n".encode()
