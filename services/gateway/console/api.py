"""The console's calls to the gateway's own public API, in process: the same routes, checks, problems and audit
records as any client's, with no network between. A tenant's calls carry the session's key id in the ASGI scope
(see `services.gateway.auth`), an operator's the admin token, which never leaves this process."""

from dataclasses import dataclass
from typing import Any

import httpx
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from services.gateway.auth import CONSOLE_KEY_ID
from services.gateway.console.session import OPERATOR, Session


@dataclass
class Answer:
    status: int
    body: Any  # the JSON answer (a problem's document too), or the text of a text answer
    headers: httpx.Headers

    @property
    def ok(self) -> bool:
        return self.status < 400

    @property
    def problem(self) -> dict:
        return self.body if not self.ok and isinstance(self.body, dict) else {}


class _AsConsoleCaller:
    """The gateway app, seen by a call that carries the session's key id in its scope."""

    def __init__(self, app: ASGIApp, key_id) -> None:
        self.app, self.key_id = app, key_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.key_id is not None:
            scope = {**scope, CONSOLE_KEY_ID: self.key_id}
        await self.app(scope, receive, send)


class Api:
    """One signed-in caller's view of /v1."""

    def __init__(self, request: Request, session: Session) -> None:
        settings = request.app.state.runtime.settings
        client = (request.client.host, request.client.port) if request.client else ("127.0.0.1", 0)
        key_id = session.key_id if session.role != OPERATOR else None
        headers = {"Authorization": f"Bearer {settings.admin_token}"} if session.role == OPERATOR else {}
        # The caller's own address: the API's per-address limits hold for the console's calls too.
        transport = httpx.ASGITransport(app=_AsConsoleCaller(request.app, key_id), client=client)
        self._client = httpx.AsyncClient(transport=transport, base_url="http://console.internal", headers=headers,
                                         timeout=70)

    async def call(self, method: str, path: str, **kwargs) -> Answer:
        response = await self._client.request(method, path, **kwargs)
        content_type = response.headers.get("content-type", "")
        body = response.json() if "json" in content_type else response.text
        return Answer(response.status_code, body, response.headers)

    async def get(self, path: str, **params) -> Answer:
        return await self.call("GET", path, params={k: v for k, v in params.items() if v not in (None, "")})

    async def post(self, path: str, json: Any = None, **kwargs) -> Answer:
        return await self.call("POST", path, json=json, **kwargs)

    async def aclose(self) -> None:
        await self._client.aclose()
