"""Errors every vendor adapter raises, whatever the vendor's own vocabulary.

Callers branch on the class (retry? give up? try another flavor?); `code` and
`message` keep the vendor's words for logs and for people.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx


class VendorError(Exception):
    """A vendor call failed. `code` is the vendor's error code when it sent one."""

    def __init__(
        self,
        vendor: str,
        message: str,
        *,
        code: str | None = None,
        http_status: int | None = None,
    ) -> None:
        self.vendor = vendor
        self.code = code
        self.http_status = http_status
        self.message = message
        detail = " ".join(str(part) for part in (http_status, code) if part)
        super().__init__(f"{vendor}: {detail + ': ' if detail else ''}{message}")


class NotFound(VendorError):
    """The job (or other object) does not exist on the vendor."""


class QuotaExceeded(VendorError):
    """The account's quota is used up; waiting for own jobs to end may help."""


class CapacityUnavailable(VendorError):
    """The vendor has no resources for this flavor right now (sold out)."""


class AuthFailed(VendorError):
    """Credentials, token or permissions were rejected."""


class InvalidRequest(VendorError):
    """The vendor rejected the request itself; retrying it unchanged will not help."""


class WrongState(VendorError):
    """The action is not allowed in the object's current state."""


class RateLimited(VendorError):
    """Too many requests; retry after `retry_after_s` seconds when the vendor said."""

    def __init__(
        self,
        vendor: str,
        message: str,
        *,
        code: str | None = None,
        http_status: int | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(vendor, message, code=code, http_status=http_status)
        self.retry_after_s = retry_after_s


class VendorUnavailable(VendorError):
    """The vendor failed or could not be reached (5xx, timeout, connection error)."""


def error_class_for_http_status(http_status: int) -> type[VendorError]:
    """Fallback when the vendor's error code is unknown: classify by HTTP status."""
    if http_status == 429:
        return RateLimited
    if http_status >= 500:
        return VendorUnavailable
    if http_status in (401, 403):
        return AuthFailed
    if http_status == 404:
        return NotFound
    if http_status == 409:
        return WrongState
    if 400 <= http_status < 500:
        return InvalidRequest
    return VendorError


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The `Retry-After` of a throttled answer, in seconds (either of its HTTP forms), if it has one."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:  # the HTTP-date form
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def json_object(vendor: str, response: httpx.Response) -> dict:
    """The response's JSON object; anything else (HTML from a proxy, a bare list) is the vendor failing."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        message = f"expected a JSON object, got {response.text[:200]!r}"
        raise VendorUnavailable(vendor, message, http_status=response.status_code)
    return body
