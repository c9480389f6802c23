"""How the simulated platform says no.

[EXT] errors come back as HTTP 200 with a non-zero `code` in the envelope: -1 for a bad token,
100002 for a parameter error (the message tells which: `unknown field`, `record not found`, ...),
100000 for an internal error. The document itself has only "HTTP 400, a string".
"""

TOKEN_INVALID = -1
INTERNAL_ERROR = 100000
PARAMETER_ERROR = 100002


class QizhiError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def invalid(detail: str) -> QizhiError:
    return QizhiError(PARAMETER_ERROR, f"参数错误: {detail}")


def record_not_found() -> QizhiError:
    return QizhiError(PARAMETER_ERROR, "record not found")
