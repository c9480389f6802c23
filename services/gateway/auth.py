"""API keys and the two kinds of caller: a tenant (its API key) and the operator (admin token)."""

import hashlib
import hmac
import secrets
import uuid

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.common.problems import Problem

API_KEY_PREFIX = "sy_live_"

_bearer = HTTPBearer(auto_error=False)


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(api_key: str) -> str:
    # The key carries 256 random bits, so a fast hash is enough (no password-style stretching needed):
    # a leaked table does not give the keys back.
    return hashlib.sha256(api_key.encode()).hexdigest()


def _unauthorized(detail: str) -> Problem:
    return Problem(401, "Unauthorized", detail, type_="unauthorized", headers={"WWW-Authenticate": "Bearer"})


async def require_admin(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> None:
    expected = request.app.state.runtime.settings.admin_token
    if creds is None or not hmac.compare_digest(creds.credentials.encode(), expected.encode()):
        raise _unauthorized("An admin token is required: Authorization: Bearer $SWITCHYARD_ADMIN_TOKEN.")


async def require_tenant(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> uuid.UUID:
    if creds is None:
        raise _unauthorized("A tenant API key is required: Authorization: Bearer <api_key>.")
    pool = request.app.state.runtime.pool
    tenant_id = await pool.fetchval(
        "SELECT id FROM gateway.tenants WHERE api_key_hash = $1", hash_api_key(creds.credentials)
    )
    if tenant_id is None:
        raise _unauthorized("Unknown API key.")
    return tenant_id
