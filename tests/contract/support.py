"""What the vendors' contract tests share: simulators served in-process over real HTTP, the one shape of every
vendor's fixtures, what a vendor tells the adapter contract suite about itself (`VendorCase`), and waiting for a
vendor job to reach a state."""

import asyncio
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, TypeVar

import httpx
import pytest
import pytest_asyncio
import uvicorn
from fastapi import FastAPI

from contracts.status import JobStatus
from services.vendors.base import SubmitRequest, VendorAdapter, VendorJob

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
        # No graceful shutdown: a request still waiting (on a simulated clock nobody advances any more, or for a
        # client that went away) would hold uvicorn's wait for tasks and connections until join's timeout, for
        # every simulator of the session (five minutes at the end of a full run).
        self._server.should_exit = self._server.force_exit = True

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


class SimClock:
    """A simulator's clock (`start_sim(clock=SimClock())`) that moves only when the test moves it, so a state the
    test set up is still there when it reads it, however slowly a loaded machine runs the test. It starts at the
    wall time, so tokens and request signatures stay within their windows."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


async def drive_until(adapter: VendorAdapter, job_id: str, done: Callable[[VendorJob], bool], clock: SimClock, *,
                      step_s: float = 0.05, limit_s: float = 60.0, kind: str = "training") -> VendorJob:
    """Read the job through `adapter.get`, moving the simulator's `clock` on by `step_s` between reads, until
    `done(job)`; fail the test with the last state seen once the clock has moved `limit_s`. No wall time counts, so
    no state can be skipped however slow the machine."""
    moved = 0.0
    while True:
        job = await adapter.get(job_id, kind)
        if done(job):
            return job
        assert moved < limit_s, f"not reached in {moved:.2f} s of the simulator's clock; last seen {job}"
        clock.advance(step_s)
        moved += step_s


def is_terminal(job: VendorJob) -> bool:
    return job.status is not None and job.status.is_terminal


def wait_until(check: Callable[[], Any], timeout_s: float = 5.0, interval_s: float = 0.05,
               clock: SimClock | None = None) -> Any:
    """`check()` once it is truthy; fail the test with its last value after `timeout_s`. Given the simulator's
    `clock`, each retry moves it on `interval_s` instead of sleeping, and `timeout_s` counts the clock's seconds."""
    deadline = time.monotonic() + timeout_s
    moved = 0.0
    while True:
        value = check()
        if value:
            return value
        if clock is None:
            assert time.monotonic() < deadline, f"timed out; last value {value!r}"
            time.sleep(interval_s)
        else:
            assert moved < timeout_s, f"not reached in {moved:.2f} s of the simulator's clock; last value {value!r}"
            clock.advance(interval_s)
            moved += interval_s


def is_running(job: VendorJob) -> bool:
    return job.status is JobStatus.RUNNING


def unique_name(prefix: str = "sy") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def training_request(image: str, command: str, flavor_id: str, name: str | None = None, *, node_count: int = 1,
                     max_runtime_s: int | None = None, task: str | None = None, **env: str) -> SubmitRequest:
    """A training job of `image` running `command`; `env` steers the simulator (SWITCHYARD_SIM_RUN_SECONDS...)."""
    return SubmitRequest(name=name or unique_name(), kind="training", image=image, command=command, env=env,
                         flavor_id=flavor_id, node_count=node_count, max_runtime_s=max_runtime_s, task=task)


# --------------------------------------------------------------------------- one vendor, as the tests see it


class Sim(Protocol):
    """A running simulator: its config, its URL, adapter settings pointed at it, its fault switch."""

    config: Any
    url: str

    def settings(self, **overrides: Any) -> Any: ...

    def put_faults(self, **faults: Any) -> None: ...


class SimHandle:
    """The part of every vendor's simulator handle that is the same: the config, the URL and the faults."""

    def __init__(self, config: Any, url: str) -> None:
        self.config, self.url = config, url

    def put_faults(self, **faults: Any) -> None:
        response = httpx.put(f"{self.url}/_sim/faults", json=faults)
        assert response.status_code == 200, response.text

    def expire_tokens(self) -> None:
        """Server-side expiry of every token, which the adapter cannot foresee."""
        assert httpx.post(f"{self.url}/_sim/tokens/expire").status_code == 204


@dataclass(frozen=True)
class Words:
    """A vendor's own status words (`raw_status`) at each point of the contract."""

    queued: str  # just submitted
    waiting: str  # queued behind a full flavor
    running: str
    succeeded: str
    failed: str
    stopping: str  # right after the first stop of a running job
    stopped: str


@dataclass(frozen=True)
class VendorCase:
    """One vendor for the adapter contract suite: its simulator, its adapter, and what the vendor says where
    the contract leaves it free (status words, error codes, how to fill a flavor)."""

    vendor: str
    create_app: Callable[[Any], FastAPI]
    fast_config: Any  # the simulator config the tests share: short phases
    handle: Callable[[Any, str], Sim]  # (config, url) -> the vendor's simulator handle
    adapter: Callable[[Any], VendorAdapter]  # adapter settings -> adapter
    request: Callable[..., SubmitRequest]  # request(flavor_id, name=None, **env): a training job
    flavors: Callable[[Sim], tuple[str, str]]  # two training flavors of the simulator
    words: Words
    reports_run_times: bool  # the vendor's answers carry start and end times
    run_times_exact: bool  # ... and they are when the run itself started and ended, to the millisecond
    failure_reason: Callable[[VendorJob], bool]  # what a steered failure's reason says
    # (code, HTTP status) of each typed error, as the vendor answers them; a None is not compared
    codes: dict[str, tuple[str | None, int | None]]
    wrong_credentials: dict[str, Any]  # adapter settings the vendor refuses
    full: Callable[[Callable[..., Sim], Sim], tuple[Sim, str]]  # (a simulator, a flavor with room for one job)
    says: dict[str, str] = field(default_factory=dict)  # what an error's message says ({flavor}: the flavor's id)
    waiting_reason: str = ""  # what the reason of a job waiting for a full flavor says
    stopped_unstarted_has_end: bool = False  # a job stopped before it ran reports when it ended
    # a stopped job's answer still says when it started (AI Space's Terminated row keeps no start: the watcher
    # keeps the one it saw while the job ran)
    stopped_has_start: bool = True
    jobs_named: Callable[[Sim, str], int] | None = None  # how many jobs of this name the vendor holds
    paging: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)  # (sim, settings) overrides
    lists_oldest_first: bool = False
    renews_tokens: bool = False  # logs in for a token, which the simulator can expire
    # prober(sim) logs in, then returns a call that answers the HTTP status of one raw authenticated request
    prober: Callable[[Sim], Callable[[], int]] | None = None
    unknown_job: str = "no-such-job"
    has_logs: bool = False  # the vendor documents a log API for training jobs (VendorAdapter.logs)
    has_metrics: bool = False  # the vendor documents job metrics for training jobs (VendorAdapter.metrics)


StartSim = Callable[..., Any]  # start_sim(**config overrides) -> a fresh simulator of the vendor


class Simulators:
    """Every vendor's simulators, served on demand: `shared(vendor)` the one its tests share, `start(vendor,
    **overrides)` a fresh one with the fast config plus overrides. All are stopped when the session ends."""

    def __init__(self, cases: dict[str, VendorCase], stack: ExitStack) -> None:
        self.cases, self._stack = cases, stack
        self._factories: dict[str, Callable[..., Sim]] = {}
        self._shared: dict[str, Sim] = {}

    def start(self, vendor: str, **overrides: Any) -> Sim:
        if vendor not in self._factories:
            case = self.cases[vendor]
            self._factories[vendor] = self._stack.enter_context(
                simulator_factory(case.create_app, case.fast_config, case.handle))
        return self._factories[vendor](**overrides)

    def shared(self, vendor: str) -> Sim:
        if vendor not in self._shared:
            self._shared[vendor] = self.start(vendor)
        return self._shared[vendor]


def vendor_fixtures(vendor: str) -> tuple[Any, Any, Any]:
    """The fixtures of one vendor's contract tests (`start_sim, sim, adapter = vendor_fixtures("caip")` in its
    conftest): `start_sim(**overrides)` a fresh simulator, `sim` the shared one (faults cleared after each test),
    `adapter` an adapter pointed at it."""

    @pytest.fixture(scope="session", name="start_sim")
    def start_sim(simulators: Simulators) -> Callable[..., Sim]:
        return lambda **overrides: simulators.start(vendor, **overrides)

    @pytest.fixture(name="sim")
    def sim(simulators: Simulators) -> Iterator[Sim]:
        shared = simulators.shared(vendor)
        yield shared
        shared.put_faults()

    @pytest_asyncio.fixture(name="adapter")
    async def adapter(simulators: Simulators, sim: Sim) -> AsyncIterator[VendorAdapter]:
        built = simulators.cases[vendor].adapter(sim.settings())
        yield built
        await built.aclose()

    return start_sim, sim, adapter
