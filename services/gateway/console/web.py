"""What every console page shares: its templates, the signed-in caller, the CSRF check on every form, and the
redirect to sign-in when there is no (longer a) session."""

import hmac
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from services.gateway.console import charts
from services.gateway.console.api import Answer, Api
from services.gateway.console.session import (
    CSRF_COOKIE, CSRF_FIELD, CSRF_HEADER, OPERATOR, SESSION_COOKIE, TENANT, Session, Signer, admin_fingerprint,
)

PREFIX = "/console"
# Only the gateway's own files, no inline script, never inside another site's frame. (Inline styles stay allowed:
# htmx adds its indicator style, and the charts set widths and colours on elements.)
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
                           "base-uri 'none'")
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


class SignInRequired(Exception):
    """No valid session (or its key no longer works): the caller is sent to the sign-in page."""


class OperatorRequired(Exception):
    """A session of the other role: a tenant's on the operator's page, or the operator's on a tenant's."""


class CsrfRefused(Exception):
    """A form without the token of this browser's CSRF cookie."""


def signer(request: Request) -> Signer:
    settings = request.app.state.runtime.settings
    cached = getattr(request.app.state, "console_signer", None)
    if cached is None:
        cached = request.app.state.console_signer = Signer(settings.console_session_secret,
                                                           settings.console_session_ttl_s)
    return cached


def current_session(request: Request) -> Session | None:
    session = signer(request).load_session(request.cookies.get(SESSION_COOKIE))
    if session is not None and session.role == OPERATOR:
        expected = admin_fingerprint(request.app.state.runtime.settings.admin_token)
        if not hmac.compare_digest(session.admin_fingerprint or "", expected):
            return None
    return session


def secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, path=PREFIX, httponly=True, samesite="strict",
                        secure=secure(request))


def csrf_nonce(request: Request) -> str:
    """This browser's CSRF nonce: its cookie's, or a new one (set on the answer by `render`)."""
    nonce = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "console_new_nonce", None)
    if nonce is None:
        nonce = request.state.console_new_nonce = Signer.new_nonce()
    return nonce


async def check_csrf(request: Request) -> dict[str, Any]:
    """The form of a write, once its CSRF token is checked; raises CsrfRefused otherwise."""
    form = await request.form()
    token = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
    if not signer(request).csrf_valid(token if isinstance(token, str) else None, request.cookies.get(CSRF_COOKIE)):
        raise CsrfRefused()
    return dict(form.items())


def render(request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200,
           session: Session | None = None) -> Response:
    nonce = csrf_nonce(request)
    context = {"session": session, "csrf_field": CSRF_FIELD, "csrf_token": signer(request).csrf_token(nonce),
               "now": datetime.now(UTC), "path": request.url.path, **(context or {})}
    response = templates.TemplateResponse(request, template, context, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.cookies.get(CSRF_COOKIE) != nonce:
        set_cookie(response, request, CSRF_COOKIE, nonce, signer(request).ttl_s)
    return response


def redirect(url: str, request: Request) -> Response:
    """A 303 to `url`; an htmx request is told to go there itself (htmx would swap a redirect's page in)."""
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def tenant_session(request: Request) -> Session:
    session = current_session(request)
    if session is None:
        raise SignInRequired()
    if session.role != TENANT:
        raise OperatorRequired()  # the operator has no tenant's pages
    return session


def operator_session(request: Request) -> Session:
    session = current_session(request)
    if session is None:
        raise SignInRequired()
    if session.role != OPERATOR:
        raise OperatorRequired()
    return session


class Console:
    """A page's caller: its session and its API, which ends the session when the API no longer knows its key."""

    def __init__(self, request: Request, session: Session) -> None:
        self.request, self.session, self.api = request, session, Api(request, session)

    async def get(self, path: str, **params) -> Answer:
        return self._checked(await self.api.get(path, **params))

    async def post(self, path: str, json: Any = None, **kwargs) -> Answer:
        return self._checked(await self.api.post(path, json, **kwargs))

    async def call(self, method: str, path: str, **kwargs) -> Answer:
        return self._checked(await self.api.call(method, path, **kwargs))

    def page(self, template: str, context: dict[str, Any] | None = None, status: int = 200) -> Response:
        return render(self.request, template, context, status, self.session)

    @staticmethod
    def _checked(answer: Answer) -> Answer:
        if answer.status == 401:
            raise SignInRequired()
        return answer


async def tenant(request: Request):
    console = Console(request, tenant_session(request))
    try:
        yield console
    finally:
        await console.api.aclose()


async def operator(request: Request):
    console = Console(request, operator_session(request))
    try:
        yield console
    finally:
        await console.api.aclose()


templates.env.filters["fromisoformat"] = datetime.fromisoformat
templates.env.filters["money"] = charts.format_micro
templates.env.filters["when"] = lambda text: (text or "—")[:19].replace("T", " ")  # an API timestamp, to the second
