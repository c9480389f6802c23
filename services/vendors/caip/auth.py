"""CAIP's [EXT] Keystone-style login: POST the credentials, the token comes back in X-Subject-Token (renewed by
`services.vendors.tokens.RenewingToken`)."""

import httpx

from services.vendors.caip.errors import vendor_error
from services.vendors.caip.settings import VENDOR, CaipSettings
from services.vendors.caip.wire import parse_time
from services.vendors.errors import AuthFailed
from services.vendors.transport import send


async def login(client: httpx.AsyncClient, settings: CaipSettings) -> tuple[str, float]:
    """Log in; the token and its lifetime."""
    url = f"{settings.endpoint.rstrip('/')}{settings.auth_path}"
    body = {"identity": settings.username, "password": settings.password.get_secret_value()}
    response = await send(client, VENDOR, "POST", url, json=body)
    if not response.is_success:
        raise vendor_error(response)
    token = response.headers.get("X-Subject-Token")
    if not token:
        message = "login answered without an X-Subject-Token header"
        raise AuthFailed(VENDOR, message, http_status=response.status_code)
    return token, token_lifetime(response) or settings.token_ttl_s


def token_lifetime(response: httpx.Response) -> float | None:
    """[INFER] a Keystone-style `token.expires_at`/`issued_at` in the login body, when present;
    the difference of the server's own times, so clock skew does not matter."""
    try:
        record = response.json().get("token") or {}
        expires_at, issued_at = parse_time(record.get("expires_at")), parse_time(record.get("issued_at"))
    except (ValueError, AttributeError):
        return None
    if expires_at is None or issued_at is None or expires_at <= issued_at:
        return None
    return (expires_at - issued_at).total_seconds()
