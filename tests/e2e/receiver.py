"""A webhook receiver (on 127.0.0.1 unless told another address) that records every request, and can be told to
fail some; and one that checks each signature as it arrives."""

import threading
import time
from dataclasses import dataclass, field

import uvicorn
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    port: int
    requests: list[Received] = field(default_factory=list)
    fail_next: int = 0  # answer this many requests with 503 before accepting
    host: str = "127.0.0.1"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/hook"

    async def _hook(self, request: Request) -> Response:
        self.requests.append(Received(dict(request.headers), await request.body()))
        if self.fail_next > 0:
            self.fail_next -= 1
            return Response(status_code=503)
        return Response(status_code=204)

    def start(self) -> "Receiver":
        app = Starlette(routes=[Route("/hook", self._hook, methods=["POST"])])
        self._server = uvicorn.Server(uvicorn.Config(app, host=self.host, port=self.port, log_level="warning"))
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)


@dataclass
class VerifyingReceiver(Receiver):
    """Checks each webhook's signature as it arrives, as a subscriber does: Standard Webhooks refuses a timestamp
    more than 5 minutes old, and the run is longer than that."""

    secret: str = ""
    verified: list[tuple[str, dict]] = field(default_factory=list)  # (webhook-id, payload)
    refused: list[str] = field(default_factory=list)

    async def _hook(self, request: Request) -> Response:
        body, headers = await request.body(), dict(request.headers)
        try:
            self.verified.append((headers["webhook-id"], Webhook(self.secret).verify(body, headers)))
        except (KeyError, ValueError, WebhookVerificationError) as exc:  # binascii.Error is a ValueError
            self.refused.append(f"{request.headers.get('webhook-id')}: {exc!r}")
        return Response(status_code=204)
