"""CAIP errors: the document's `cambricon.Error {code, message}` body.

The document lists no error codes and no error statuses; [INFER] (digest §8) the simulator uses the
HTTP status as `code`, with the statuses a client would expect: 400 invalid, 401 no/expired token,
403 other namespace, 404 unknown object, 409 duplicate name or wrong state, 422 no capacity for the
flavor, 429 throttled, 500 internal, 503 unavailable.
"""

from fastapi.responses import JSONResponse

from services.vendorsim.faults import FaultResponses


class CaipError(Exception):
    def __init__(self, http_status: int, message: str) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.message = message


def error_response(http_status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"code": http_status, "message": message}, status_code=http_status, headers=headers)


def invalid(message: str) -> CaipError:
    return CaipError(400, f"invalid parameter: {message}")


def not_found(kind: str, uid: str) -> CaipError:
    return CaipError(404, f'{kind} "{uid}" not found')


def unauthenticated() -> CaipError:
    return CaipError(401, "The request you have made requires authentication.")


def no_capacity(message: str) -> CaipError:
    return CaipError(422, f"insufficient resources: {message}")


FAULT_RESPONSES = FaultResponses(
    server_error=lambda: error_response(500, "internal server error"),
    throttled=lambda: error_response(429, "too many requests", headers={"Retry-After": "1"}),
    unavailable=lambda: error_response(503, "service unavailable"),
)
