"""The two kinds of caller: a tenant (one of its API keys) and the operator (admin token). Each dependency
leaves who called on `request.state.actor` ("operator", or the key's id) for the audit log.

The web console (`services/gateway/console/`) calls this API in process for a signed-in tenant: its calls carry
no key but the id of the key the session was opened with, under `CONSOLE_KEY_ID` in the ASGI scope, which only
this process can set (no header or cookie reaches it). That key is checked as a presented one is, every call."""

import hmac
import uuid
from datetime import UTC, datetime

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.common.problems import Problem
from services.gateway import keys
from services.gateway.store import api_keys

OPERATOR = "operator"
CONSOLE_KEY_ID = "switchyard.console_key_id"

_bearer = HTTPBearer(auto_error=False)


def _unauthorized(detail: str) -> Problem:
    return Problem(401, "Unauthorized", detail, type_="unauthorized", headers={"WWW-Authenticate": "Bearer"})


async def require_admin(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> None:
    expected = request.app.state.runtime.settings.admin_token
    if creds is None or not hmac.compare_digest(creds.credentials.encode(), expected.encode()):
        raise _unauthorized("An admin token is required: Authorization: Bearer $SWITCHYARD_ADMIN_TOKEN.")
    request.state.actor = OPERATOR


async def require_tenant(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> uuid.UUID:
    """The tenant of the presented key. One indexed query per request (no cache, so a revoked key or a
    suspended tenant is refused on every replica at once), and a write only when `last_used_at` is a minute old."""
    console_key_id = request.scope.get(CONSOLE_KEY_ID)
    if creds is None and console_key_id is None:
        raise _unauthorized("A tenant API key is required: Authorization: Bearer <api_key>.")
    pool = request.app.state.runtime.pool
    if creds is not None:
        found = await api_keys.authenticate(pool, keys.hash_api_key(creds.credentials))
    else:
        found = await api_keys.authenticate_id(pool, console_key_id)
    now = datetime.now(UTC)
    refused = keys.UNKNOWN if found is None else keys.refusal(found["expires_at"], found["tenant_status"], now)
    if refused is not None:
        headers = {"WWW-Authenticate": "Bearer"} if refused.status == 401 else None
        raise Problem(refused.status, refused.title, refused.detail, type_=refused.type, headers=headers)
    if keys.needs_touch(found["last_used_at"], now):
        await api_keys.touch(pool, found["id"])
    request.state.actor, request.state.tenant_id = str(found["id"]), found["tenant_id"]
    return found["tenant_id"]
