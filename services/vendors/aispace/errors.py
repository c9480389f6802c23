"""AI Space's failures as Switchyard's typed errors (the envelopes they arrive in: `wire.unwrap`).

The document lists no error codes. ERROR_CODES holds the gateway codes the simulator answers with (the names the
digest proposes, [INFER]); Cube Studio errors carry only a message and the HTTP status (upstream: 400 bad
arguments, 404 "Not found", 422 "no permission to edit", 500 "Fatal error"). Anything else is classified by HTTP
status.
"""

from typing import Any

from services.vendors.errors import (
    AuthFailed,
    CapacityUnavailable,
    InvalidRequest,
    NotFound,
    QuotaExceeded,
    RateLimited,
    VendorError,
    VendorUnavailable,
    WrongState,
    error_class_for_http_status,
    error_details,
    typed_error,
)
from services.vendors.aispace.settings import VENDOR

SUCCESS = "Success"  # the gateway envelope's `code` when nothing failed

ERROR_CODES: dict[str, type[VendorError]] = {
    "InvalidParameter": InvalidRequest,
    "ApiNotFound": InvalidRequest,  # a path this deployment does not have (e.g. an inferred read)
    "ResourceAlreadyExists": InvalidRequest,  # the name is taken
    "Unauthorized": AuthFailed,
    "SignatureDoesNotMatch": AuthFailed,
    "Forbidden": AuthFailed,
    "ResourceNotFound": NotFound,
    "IncorrectState": WrongState,
    "QuotaExceeded": QuotaExceeded,  # the package's paid amount is used up, or it expired
    "InsufficientResource": CapacityUnavailable,  # the package cannot hold the workload (now)
    "Throttling": RateLimited,
    "InternalError": VendorUnavailable,
    "ServiceUnavailable": VendorUnavailable,
}
# Upstream Cube Studio's own error messages (envelope B has no code).
CUBE_MESSAGES: dict[str, type[VendorError]] = {
    "not found": NotFound,
    "no permission to edit": AuthFailed,
    "fatal error": VendorUnavailable,
}


def error_for(http_status: int, body: Any, retry_after_s: float | None = None) -> VendorError:
    """The typed error of a refused call: by its gateway code, else its Cube Studio message, else the HTTP status."""
    raw_code, message = error_details(body)
    code = str(raw_code) if raw_code not in (None, "", SUCCESS) else None
    if code is not None and code in ERROR_CODES:
        error_class = ERROR_CODES[code]
    elif not code and message.strip().lower() in CUBE_MESSAGES:
        error_class = CUBE_MESSAGES[message.strip().lower()]
    elif http_status == 404 and not isinstance(body, dict):
        # Not even an envelope: the path itself is unknown here (e.g. an inferred read this deployment lacks).
        error_class = InvalidRequest
    elif 200 <= http_status < 300:
        error_class = InvalidRequest  # refused in a 200: the request, not the service, was at fault
    else:
        error_class = error_class_for_http_status(http_status)
    status = None if 200 <= http_status < 300 else http_status
    return typed_error(error_class, VENDOR, message or f"HTTP {http_status}", code=code, http_status=status, retry_after_s=retry_after_s)
