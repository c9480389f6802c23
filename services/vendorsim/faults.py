"""Fault injection shared by every simulator.

`PUT /_sim/faults` replaces the faults (omitted fields go back to "no fault"),
`GET /_sim/faults` reads them back. A plain ASGI middleware (`FaultMiddleware`)
applies them to every vendor path (anything outside `/_sim/`):

- `down`          -> 503 on every call
- `latency_ms`    -> each call is delayed
- `throttle_rate` -> that share of calls gets the vendor's 429 (with `Retry-After`)
- `error_rate`    -> that share of calls gets the vendor's 500
- `sold_out`      -> flavor ids the simulator's create handler refuses (`is_sold_out`)

Each vendor spells these failures its own way, so a simulator passes its
`FaultResponses`. The random draws come from a seeded `random.Random`, reseeded on
every PUT, so a test sees the same sequence every run.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.types import ASGIApp, Receive, Scope, Send

SIM_PATH_PREFIX = "/_sim/"


class FaultSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    latency_ms: int = Field(default=0, ge=0)
    error_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    throttle_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    sold_out: list[str] = Field(default_factory=list)
    down: bool = False
    seed: int | None = None  # None: reseed with the simulator's start-up seed
    # Only calls with these HTTP methods see latency, throttling and errors (empty: every call), e.g.
    # ["POST"] to fail creates while flavor lists still answer. `down` hits every call.
    methods: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class FaultResponses:
    """How one vendor answers each injected failure."""

    server_error: Callable[[], Response]  # 500
    throttled: Callable[[], Response]  # 429, should carry Retry-After
    unavailable: Callable[[], Response]  # 503


class FaultInjector:
    def __init__(self, seed: int = 0) -> None:
        self._default_seed = seed
        self._settings = FaultSettings()
        self._random = random.Random(seed)

    @property
    def settings(self) -> FaultSettings:
        return self._settings

    def configure(self, settings: FaultSettings) -> None:
        self._settings = settings
        self._random = random.Random(self._default_seed if settings.seed is None else settings.seed)

    def is_sold_out(self, flavor_id: str) -> bool:
        return flavor_id in self._settings.sold_out

    async def apply(self, responses: FaultResponses, method: str = "GET") -> Response | None:
        """Delay and/or pick a failure for one vendor call; None lets the call through."""
        settings = self._settings
        if settings.down:
            return responses.unavailable()
        if settings.methods and method.upper() not in {m.upper() for m in settings.methods}:
            return None
        if settings.latency_ms:
            await asyncio.sleep(settings.latency_ms / 1000)
        # Draw only for enabled faults, so enabling one does not shift the other's sequence.
        if settings.throttle_rate and self._random.random() < settings.throttle_rate:
            return responses.throttled()
        if settings.error_rate and self._random.random() < settings.error_rate:
            return responses.server_error()
        return None


def install_faults(app: FastAPI, injector: FaultInjector, responses: FaultResponses) -> None:
    """Add the `/_sim/faults` endpoints and the fault middleware to a simulator app."""

    @app.get(f"{SIM_PATH_PREFIX}faults")
    async def read_faults() -> FaultSettings:
        return injector.settings

    @app.put(f"{SIM_PATH_PREFIX}faults")
    async def write_faults(settings: FaultSettings) -> FaultSettings:
        injector.configure(settings)
        return injector.settings

    app.add_middleware(FaultMiddleware, injector=injector, responses=responses)


class FaultMiddleware:
    """Answers a vendor call with its injected fault, or passes it on.

    Plain ASGI rather than Starlette's `BaseHTTPMiddleware` (`@app.middleware("http")`), which runs every
    request's app in a task of its own and streams the answer through a memory channel: most of a small
    call's cost in a benchmark of the simulator.
    """

    def __init__(self, app: ASGIApp, injector: FaultInjector, responses: FaultResponses) -> None:
        self.app = app
        self.injector = injector
        self.responses = responses

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(SIM_PATH_PREFIX):
            injected = await self.injector.apply(self.responses, scope["method"])
            if injected is not None:
                await injected(scope, receive, send)
                return
        await self.app(scope, receive, send)
