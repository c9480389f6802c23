"""The two response envelopes, and the errors the simulator answers with.

A, the gateway envelope: {"requestId", "code": "Success", "message": "成功", "data": ...} (most /v1 endpoints and
the alpha creates/edits). B, Cube Studio's own: {"message": "success", "result": ..., "status": 0} (most alpha GETs).

The document lists no error code and shows no error. [INFER] An error is answered in the envelope its endpoint
succeeds with: A with a non-"Success" `code` (the codes below, named as the digest proposes), B as upstream Cube
Studio does, `{"result": {}, "status": 1, "message": ...}` with the HTTP status (400 bad arguments, 404 "Not found",
422 "no permission to edit", 500 "Fatal error"). Authentication, region, throttling and outages happen in the
gateway in front of both prefixes, so they are always A.
"""

import uuid
from enum import StrEnum
from typing import Any

from fastapi.responses import JSONResponse

from services.vendorsim.faults import FaultResponses


class Envelope(StrEnum):
    A = "A"
    B = "B"


class Code(StrEnum):
    """[INFER] Gateway error codes (not vendor-documented), with their HTTP status."""

    INVALID_PARAMETER = "InvalidParameter"  # 400
    UNAUTHORIZED = "Unauthorized"  # 401: no or unknown credentials
    SIGNATURE_MISMATCH = "SignatureDoesNotMatch"  # 401
    FORBIDDEN = "Forbidden"  # 403
    NOT_FOUND = "ResourceNotFound"  # 404: no such object
    API_NOT_FOUND = "ApiNotFound"  # 404: no such path
    ALREADY_EXISTS = "ResourceAlreadyExists"  # 409: the name is taken
    INCORRECT_STATE = "IncorrectState"  # 409
    QUOTA_EXCEEDED = "QuotaExceeded"  # 409: the package's paid amount is used up, or it expired
    INSUFFICIENT_RESOURCE = "InsufficientResource"  # 409: the package cannot hold the workload
    THROTTLING = "Throttling"  # 429
    INTERNAL_ERROR = "InternalError"  # 500
    SERVICE_UNAVAILABLE = "ServiceUnavailable"  # 503


HTTP_STATUS: dict[Code, int] = {
    Code.INVALID_PARAMETER: 400,
    Code.UNAUTHORIZED: 401,
    Code.SIGNATURE_MISMATCH: 401,
    Code.FORBIDDEN: 403,
    Code.NOT_FOUND: 404,
    Code.API_NOT_FOUND: 404,
    Code.ALREADY_EXISTS: 409,
    Code.INCORRECT_STATE: 409,
    Code.QUOTA_EXCEEDED: 409,
    Code.INSUFFICIENT_RESOURCE: 409,
    Code.THROTTLING: 429,
    Code.INTERNAL_ERROR: 500,
    Code.SERVICE_UNAVAILABLE: 503,
}

# What upstream Cube Studio says in a B error for these codes.
_B_MESSAGES: dict[Code, str] = {Code.NOT_FOUND: "Not found", Code.FORBIDDEN: "no permission to edit"}
_B_STATUS: dict[Code, int] = {Code.FORBIDDEN: 422}


class AISpaceError(Exception):
    def __init__(self, code: Code, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def invalid(message: str) -> AISpaceError:
    return AISpaceError(Code.INVALID_PARAMETER, message)


def not_found(what: str) -> AISpaceError:
    return AISpaceError(Code.NOT_FOUND, f"{what} not found")


def request_id() -> str:
    return uuid.uuid4().hex


def ok_a(data: Any) -> dict[str, Any]:
    return {"requestId": request_id(), "code": "Success", "message": "成功", "data": data}


def ok_b(result: Any) -> dict[str, Any]:
    return {"message": "success", "result": result, "status": 0}


def cube(result: Any) -> dict[str, Any]:
    """A Cube Studio result nested as the `data` of envelope A (the creates and edits)."""
    return {"code": "", "message": "success", "result": result, "status": 0}


def error_response(error: AISpaceError, envelope: Envelope, headers: dict[str, str] | None = None) -> JSONResponse:
    if envelope is Envelope.B:
        status = _B_STATUS.get(error.code, HTTP_STATUS[error.code])
        message = _B_MESSAGES.get(error.code, error.message)
        return JSONResponse({"result": {}, "status": 1, "message": message}, status_code=status, headers=headers)
    body = {"requestId": request_id(), "code": error.code.value, "message": error.message, "data": None}
    return JSONResponse(body, status_code=HTTP_STATUS[error.code], headers=headers)


FAULT_RESPONSES = FaultResponses(
    server_error=lambda: error_response(AISpaceError(Code.INTERNAL_ERROR, "Fatal error"), Envelope.A),
    throttled=lambda: error_response(
        AISpaceError(Code.THROTTLING, "Too many requests"), Envelope.A, headers={"Retry-After": "1"}
    ),
    unavailable=lambda: error_response(AISpaceError(Code.SERVICE_UNAVAILABLE, "Service unavailable"), Envelope.A),
)
