"""Qizhi's bearer token: the login body, and the token and lifetime read from its answer (renewed by
`services.vendors.tokens.RenewingToken`)."""

from typing import Any

from services.vendors.errors import AuthFailed
from services.vendors.qizhi.settings import VENDOR, QizhiSettings
from services.vendors.qizhi.wire import as_object, ms_count

_DEFAULT_TOKEN_LIFETIME_S = 604800  # [EXT] clients assume 7 days when `expires_in` is missing


def credentials(settings: QizhiSettings) -> dict[str, str]:
    """POST /auth/token."""
    return {"username": settings.username, "password": settings.password.get_secret_value()}


def token_and_lifetime(data: Any) -> tuple[str, float]:
    """The token answer's access token and lifetime in seconds ([EXT] `expires_in`)."""
    answer = as_object(data)
    token = answer.get("access_token")
    if not token:
        raise AuthFailed(VENDOR, "the token answer has no access_token")
    return str(token), float(ms_count(answer.get("expires_in")) or _DEFAULT_TOKEN_LIFETIME_S)
