"""Errors every vendor adapter raises, whatever the vendor's own vocabulary.

Callers branch on the class (retry? give up? try another flavor?); `code` and
`message` keep the vendor's words for logs and for people.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

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

    def __init__(self, vendor: str, message: str, *, retry_after_s: float | None = None, **details: Any) -> None:
        super().__init__(vendor, message, **details)  # code, http_status
        self.retry_after_s = retry_after_s


class LogsUnsupported(VendorError):
    """The vendor's API offers no job output (logs) for this kind of workload."""


class MetricsUnsupported(VendorError):
    """The vendor's API offers no job metrics (resource use) for this kind of workload."""


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


def typed_error(
    error_class: type[VendorError],
    vendor: str,
    message: str,
    *,
    code: str | None = None,
    http_status: int | None = None,
    retry_after_s: float | None = None,
) -> VendorError:
    """An `error_class` error; a RateLimited one carries `retry_after_s` (the others have no use for it)."""
    if issubclass(error_class, RateLimited):
        return error_class(vendor, message, code=code, http_status=http_status, retry_after_s=retry_after_s)
    return error_class(vendor, message, code=code, http_status=http_status)


def service_refusal(vendor: str, response: httpx.Response, code: Any, message: str) -> VendorError:
    """The typed error of an inference service's refused answer (not the API's), `code` and `message` as the
    vendor's reader found them: classed by HTTP status, since the API's error codes mean other things there."""
    return typed_error(error_class_for_http_status(response.status_code), vendor, message,
                       code=None if code is None else str(code), http_status=response.status_code,
                       retry_after_s=retry_after_seconds(response))


# --------------------------------------------------------------------------- vendors' error bodies


def error_details(
    body: Any, *, code_key: str = "code", message_keys: Sequence[str] = ("message",), fallback: str = ""
) -> tuple[Any, str]:
    """(code, message) of a vendor's parsed error body.

    The code comes back as the vendor sent it (a string, a number, absent: None), for the vendor's own table to
    read; the message is the first non-empty of `message_keys`, else `fallback`. A key may name a nested field
    ("error.message": IAM's Keystone-style body). A body that is not a JSON object has no code: its text, cut to
    200 characters, is the message.
    """
    if not isinstance(body, dict):
        return None, str(body)[:200] if body not in (None, "") else fallback
    message = next((str(value) for key in message_keys if (value := _field(body, key))), "")
    return _field(body, code_key), message or fallback


def read_error(
    response: httpx.Response, *, code_key: str = "code", message_keys: Sequence[str] = ("message",)
) -> tuple[Any, str]:
    """`error_details` of a refused call's body, the HTTP reason phrase when it names no message; a body that is
    not JSON at all (an HTML page from a proxy) keeps its text."""
    try:
        body = response.json()
    except ValueError:
        return None, response.text[:200] or response.reason_phrase
    return error_details(body, code_key=code_key, message_keys=message_keys, fallback=response.reason_phrase)


def _field(body: dict[str, Any], key: str) -> Any:
    value: Any = body
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value
