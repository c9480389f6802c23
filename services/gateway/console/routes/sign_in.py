"""Signing in (a tenant API key, or the operator token) and out. The key is read from the form's body only, checked
as the API checks it, and never written anywhere: the session cookie names the key's id."""

import hmac
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.gateway import keys
from services.gateway.console import web
from services.gateway.console.session import OPERATOR, SESSION_COOKIE, TENANT, Session, admin_fingerprint
from services.gateway.store import api_keys

router = APIRouter(prefix=web.PREFIX)


@router.get("")
async def no_slash(request: Request) -> Response:
    return web.redirect(f"{web.PREFIX}/", request)


@router.get("/")
async def home(request: Request) -> Response:
    session = web.current_session(request)
    if session is None:
        return web.redirect(f"{web.PREFIX}/sign-in", request)
    return web.redirect(f"{web.PREFIX}/operator" if session.role == OPERATOR else f"{web.PREFIX}/jobs", request)


@router.get("/sign-in")
async def sign_in_page(request: Request) -> Response:
    return web.render(request, "sign_in.html", {"error": None})


@router.post("/sign-in")
async def sign_in(request: Request, form: Annotated[dict, Depends(web.check_csrf)]) -> Response:
    key = str(form.get("api_key") or "").strip()
    settings = request.app.state.runtime.settings
    session = None
    if key and hmac.compare_digest(key.encode(), settings.admin_token.encode()):
        session = Session(OPERATOR, admin_fingerprint=admin_fingerprint(settings.admin_token))
    elif key:
        found = await api_keys.authenticate(request.app.state.runtime.pool, keys.hash_api_key(key))
        refused = keys.UNKNOWN if found is None else keys.refusal(found["expires_at"], found["tenant_status"],
                                                                   datetime.now(UTC))
        if refused is None:
            session = Session(TENANT, key_id=found["id"], tenant_id=found["tenant_id"])
        elif refused.status != 401:
            return web.render(request, "sign_in.html", {"error": refused.detail}, status=refused.status)
    if session is None:
        # A 401, so the gateway's failed-authentication budget per address counts guesses made here too.
        return web.render(request, "sign_in.html", {"error": "That key is not valid: check it and try again."},
                          status=401)
    response = web.redirect(f"{web.PREFIX}/operator" if session.role == OPERATOR else f"{web.PREFIX}/jobs", request)
    web.set_cookie(response, request, SESSION_COOKIE, web.signer(request).dump_session(session),
                   web.signer(request).ttl_s)
    return response


@router.post("/sign-out")
async def sign_out(request: Request, _: Annotated[dict, Depends(web.check_csrf)]) -> Response:
    response = web.redirect(f"{web.PREFIX}/sign-in", request)
    response.delete_cookie(SESSION_COOKIE, path=web.PREFIX, httponly=True, samesite="strict",
                           secure=web.secure(request))
    return response
