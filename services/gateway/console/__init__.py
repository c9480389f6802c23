"""The web console at /console/: server-rendered pages (Jinja2) with htmx and Server-Sent Events, served by the
gateway from its own files (nothing fetched from elsewhere). It reads and writes only through the gateway's public
API, called in process (`api.py`), as the signed-in tenant or the operator."""

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from services.gateway.console import web
from services.gateway.console.routes import jobs, new_job, notifications, operator, sign_in, spend

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    for module in (sign_in, jobs, new_job, spend, notifications, operator):
        app.include_router(module.router, include_in_schema=False)
    app.mount(f"{web.PREFIX}/static", StaticFiles(directory=STATIC), name="console-static")

    @app.exception_handler(web.SignInRequired)
    async def _sign_in(request: Request, _: Exception) -> Response:
        response = web.redirect(f"{web.PREFIX}/sign-in", request)
        response.delete_cookie(web.SESSION_COOKIE, path=web.PREFIX)
        return response

    @app.exception_handler(web.OperatorRequired)
    async def _wrong_role(request: Request, _: Exception) -> Response:
        return web.render(request, "refused.html", {"session": web.current_session(request)}, status=403,
                          session=web.current_session(request))

    @app.exception_handler(web.CsrfRefused)
    async def _csrf(request: Request, _: Exception) -> Response:
        return web.render(request, "refused.html", {"csrf": True}, status=403, session=web.current_session(request))
