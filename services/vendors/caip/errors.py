"""CAIP error answers as typed vendor errors.

[DOC] an error body is `cambricon.Error {code: integer, message}`; the document lists no codes.
[INFER] (digest §8) `code` repeats the HTTP status, with the meanings in ERROR_CLASSES (the
simulator answers so).
"""

import httpx

from services.vendors.errors import (
    AuthFailed,
    CapacityUnavailable,
    InvalidRequest,
    NotFound,
    RateLimited,
    VendorError,
    VendorUnavailable,
    WrongState,
    error_class_for_http_status,
    retry_after_seconds,
)
from services.vendors.caip.settings import VENDOR

ERROR_CLASSES: dict[int, type[VendorError]] = {
    400: InvalidRequest,  # malformed body, missing required field, bad enum, unusable flavor
    401: AuthFailed,  # missing, unknown or expired X-Auth-Token (renewed once by the adapter); bad password
    403: AuthFailed,  # a project (namespace) the account may not use
    404: NotFound,  # unknown uid
    409: WrongState,  # duplicate metadata.name (submit turns it into the existing job); sub-job already ended
    422: CapacityUnavailable,  # the flavor is sold out, or can never host the job
    429: RateLimited,
    500: VendorUnavailable,
    502: VendorUnavailable,
    503: VendorUnavailable,
    504: VendorUnavailable,
}


def error_class(code: int | None, http_status: int) -> type[VendorError]:
    """By the body's `code` when it is a known one, else by the HTTP status."""
    if code in ERROR_CLASSES:
        return ERROR_CLASSES[code]
    return ERROR_CLASSES.get(http_status) or error_class_for_http_status(http_status)


def vendor_error(response: httpx.Response) -> VendorError:
    code, message = _details(response)
    status = response.status_code
    error = error_class(code, status)
    text_code = None if code is None else str(code)
    if error is RateLimited:
        return RateLimited(VENDOR, message, code=text_code, http_status=status, retry_after_s=retry_after_seconds(response))
    return error(VENDOR, message, code=text_code, http_status=status)


def _details(response: httpx.Response) -> tuple[int | None, str]:
    try:
        body = response.json()
    except ValueError:
        return None, response.text[:200] or response.reason_phrase
    if not isinstance(body, dict):
        return None, str(body)[:200]
    code = body.get("code")
    return (code if isinstance(code, int) and not isinstance(code, bool) else None), str(
        body.get("message") or response.reason_phrase
    )

