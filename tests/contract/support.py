"""What the vendors' contract tests share: simulators served in-process over real HTTP, and waiting
for a vendor job to reach a state."""

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, TypeVar

import uvicorn
from fastapi import FastAPI

from services.vendors.base import VendorAdapter, VendorJob

Handle = TypeVar("Handle")


class SimulatorServer:
    """A simulator app served by uvicorn on a free 127.0.0.1 port, in a thread of the test process."""

    def __init__(self, app: FastAPI) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # asyncio only disables Nagle on sockets it creates itself; without this every
        # request waits ~40 ms for a delayed ACK.
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._socket.bind(("127.0.0.1", 0))  # the OS picks a free port; no race with other tests
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        config = uvicorn.Config(app, loop="asyncio", lifespan="off", log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("simulator did not start")
            time.sleep(0.01)

    def request_stop(self) -> None:
        self._server.should_exit = True

    def join(self) -> None:
        self._thread.join(timeout=10)
        self._socket.close()


@contextmanager
def simulator_factory(create_app: Callable[[Any], FastAPI], base_config: Any,
                      handle: Callable[[Any, str], Handle]) -> Iterator[Callable[..., Handle]]:
    """`start(**overrides)` serves a fresh simulator with `base_config` plus overrides and returns
    `handle(config, url)`; every simulator started so is stopped when the context ends."""
    servers: list[SimulatorServer] = []

    def start(**overrides: Any) -> Handle:
        config = replace(base_config, **overrides)
        server = SimulatorServer(create_app(config))
        server.start()
        servers.append(server)
        return handle(config, server.url)

    try:
        yield start
    finally:
        for server in servers:
            server.request_stop()
        for server in servers:
            server.join()


async def wait_for_job(adapter: VendorAdapter, job_id: str, done: Callable[[VendorJob], bool],
                       timeout_s: float = 5.0, kind: str = "training") -> VendorJob:
    """Poll `adapter.get` until `done(job)`; fail the test with the last state seen after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        job = await adapter.get(job_id, kind)
        if done(job):
            return job
        assert time.monotonic() < deadline, f"timed out; last seen {job}"
        await asyncio.sleep(0.03)


def is_terminal(job: VendorJob) -> bool:
    return job.status is not None and job.status.is_terminal
