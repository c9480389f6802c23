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
    read_error,
    retry_after_seconds,
    typed_error,
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
    code, message = read_error(response)
    known = code if isinstance(code, int) and not isinstance(code, bool) else None
    return typed_error(error_class(known, response.status_code), VENDOR, message,
                       code=None if known is None else str(known), http_status=response.status_code,
                       retry_after_s=retry_after_seconds(response))
