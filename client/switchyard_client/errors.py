"""The two ways a call fails: the API answered with an RFC 9457 problem, or it could not be reached."""

from typing import Any


class ApiError(Exception):
    """An error answer of the API (application/problem+json, RFC 9457). Members the problem carries beyond the
    standard ones (e.g. `errors` of a 422) are in `extra`."""

    def __init__(self, status: int, title: str, detail: str | None = None, type: str = "about:blank",
                 instance: str | None = None, extra: dict[str, Any] | None = None):
        super().__init__(f"{status} {title}" + (f": {detail}" if detail else ""))
        self.status, self.title, self.detail, self.type, self.instance = status, title, detail, type, instance
        self.extra = extra or {}

    @classmethod
    def from_response(cls, status: int, body: Any, reason: str = "") -> "ApiError":
        if not isinstance(body, dict):  # not a problem document (a proxy's HTML page, say)
            return cls(status, reason or "HTTP error", str(body)[:500] if body else None)
        known = {"status", "title", "detail", "type", "instance"}
        return cls(status, str(body.get("title") or reason or "HTTP error"), body.get("detail"),
                   str(body.get("type", "about:blank")), body.get("instance"),
                   {k: v for k, v in body.items() if k not in known})


class ApiUnreachable(Exception):
    """No answer from the API: refused, timed out, name not resolved."""
