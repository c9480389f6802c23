"""How Qizhi says no, as Switchyard's typed errors (a plain function over one table).

The document has only "HTTP 400, a string". [EXT] most errors are HTTP 200 with a non-zero `code`
in the `{code, message, data}` envelope, and the message tells them apart:

| code    | meaning                                        | error               |
|---------|------------------------------------------------|---------------------|
| -1      | token invalid or expired (re-login, retry once) | AuthFailed          |
| 100000  | internal server error                          | VendorUnavailable   |
| 100002  | parameter error                                | InvalidRequest      |
|  + "record not found"                                    | NotFound            |
|  + "资源不足" / sold out  ([INFER])                       | CapacityUnavailable |
| other   | a refusal we have no word for                  | InvalidRequest      |

Without a code the HTTP status decides: 429 RateLimited (the gateway's throttle), 5xx
VendorUnavailable, 401/403 AuthFailed, 400 InvalidRequest (AuthFailed when its text refuses the
token: the document's only error form is HTTP 400 with a string, so a refused token may come so),
and 404 VendorUnavailable: a missing *route* (Qizhi says "record not found" for a missing job),
which must not read as "the job is gone".
"""

from dataclasses import dataclass

from services.vendors.errors import (
    AuthFailed,
    CapacityUnavailable,
    InvalidRequest,
    NotFound,
    RateLimited,
    VendorError,
    VendorUnavailable,
    error_class_for_http_status,
)

TOKEN_INVALID = -1
INTERNAL_ERROR = 100000
PARAMETER_ERROR = 100002

_CODES: dict[int, type[VendorError]] = {
    TOKEN_INVALID: AuthFailed,
    INTERNAL_ERROR: VendorUnavailable,
    PARAMETER_ERROR: InvalidRequest,
}


@dataclass(frozen=True)
class MessageMarkers:
    """Message fragments that name an error more precisely than its code (matched case-insensitively)."""

    not_found: tuple[str, ...] = ("record not found",)  # [EXT]
    capacity: tuple[str, ...] = ("资源不足", "sold out", "insufficient resource")  # [INFER]
    token_refused: tuple[str, ...] = ("token", "unauthorized", "令牌")  # [INFER] a 400 string about the token


def classify(http_status: int, code: int | None, message: str, markers: MessageMarkers) -> type[VendorError]:
    """The error class for one refused call: `code` from the envelope (None without one)."""
    if http_status == 429:
        return RateLimited
    if http_status >= 500:
        return VendorUnavailable
    if code == TOKEN_INVALID or http_status in (401, 403):
        return AuthFailed
    text = message.lower()
    if code is None and http_status == 400 and any(marker.lower() in text for marker in markers.token_refused):
        return AuthFailed
    if any(marker.lower() in text for marker in markers.not_found):
        return NotFound
    if any(marker.lower() in text for marker in markers.capacity):
        return CapacityUnavailable
    if code is not None:
        return _CODES.get(code, InvalidRequest)
    if http_status == 404:
        return VendorUnavailable
    return error_class_for_http_status(http_status)
