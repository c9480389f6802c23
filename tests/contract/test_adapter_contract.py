"""The adapter contract, held by every vendor's adapter against its simulator over real HTTP.

What every VendorAdapter promises (services/vendors/base.py): a submitted job runs and ends with the vendor's
own status word beside Switchyard's; submit is idempotent by name; find_by_name matches exactly; stop may be
repeated; the vendor's failures are typed (unknown job NotFound, sold out CapacityUnavailable, throttled
RateLimited, failing or unreachable VendorUnavailable, refused credentials AuthFailed). Where the contract leaves
the vendor free (its words, its codes, how its flavors fill up), each vendor's `case.py` says; what only one
vendor does is tested beside it in tests/contract/<vendor>/.
"""

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import aclosing
from typing import Any

import httpx
import pytest
import pytest_asyncio

from contracts.job_metrics import SERIES_UNITS
from contracts.status import JobStatus
from services.vendors import (
    AuthFailed,
    CapacityUnavailable,
    InvalidRequest,
    LogsUnsupported,
    MetricsUnsupported,
    NotFound,
    RateLimited,
    VendorAdapter,
    VendorError,
    VendorUnavailable,
)
from tests.contract.cases import CASES
from tests.contract.support import (
    Sim,
    SimClock,
    Simulators,
    VendorCase,
    drive_until,
    is_running,
    is_terminal,
    unique_name,
    wait_for_job,
)

KINDS = ("training", "notebook", "inference")


def vendors(where: Callable[[VendorCase], bool] = lambda case: True) -> pytest.MarkDecorator:
    """Run the test once per vendor whose case `where` holds for."""
    return pytest.mark.parametrize("case", [name for name, case in CASES.items() if where(case)], indirect=True)


def with_code(key: str) -> pytest.MarkDecorator:
    """Run the test once per vendor that answers the error `key` in a way its case states."""
    return vendors(lambda case: key in case.codes)


@pytest.fixture
def case(request: pytest.FixtureRequest) -> VendorCase:
    return CASES[request.param]


@pytest.fixture
def sim(case: VendorCase, simulators: Simulators) -> Iterator[Sim]:
    """The vendor's shared simulator; faults are cleared after each test."""
    shared = simulators.shared(case.vendor)
    yield shared
    shared.put_faults()


@pytest.fixture
def start_sim(case: VendorCase, simulators: Simulators) -> Callable[..., Sim]:
    return lambda **overrides: simulators.start(case.vendor, **overrides)


@pytest_asyncio.fixture
async def adapter(case: VendorCase, sim: Sim) -> AsyncIterator[VendorAdapter]:
    built = case.adapter(sim.settings())
    yield built
    await built.aclose()


def assert_said(case: VendorCase, key: str, error: VendorError, **values: str) -> None:
    """The error carries the code, HTTP status and words the vendor answers `key` with."""
    code, http_status = case.codes.get(key, (None, None))
    if code is not None:
        assert error.code == code, error
    if http_status is not None:
        assert error.http_status == http_status, error
    if key in case.says:
        assert case.says[key].format(**values) in error.message, error


def closed_port() -> int:
    with socket.socket() as probe:  # bound, never listening: connections are refused
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --------------------------------------------------------------------------- a job's life


@vendors()
async def test_a_submitted_job_runs_to_success(case: VendorCase, adapter: VendorAdapter, sim: Sim) -> None:
    usual, _ = case.flavors(sim)
    submitted = await adapter.submit(case.request(usual, SWITCHYARD_SIM_RUN_SECONDS="0.5"))
    assert (submitted.status, submitted.raw_status) == (JobStatus.QUEUED, case.words.queued)
    assert submitted.created_at is not None and submitted.created_at.tzinfo is not None
    assert submitted.started_at is None and submitted.finished_at is None
    fetched = await adapter.get(submitted.vendor_job_id)
    assert (fetched.vendor_job_id, fetched.name, fetched.kind) == (submitted.vendor_job_id, submitted.name, "training")
    if adapter.can_list:
        assert submitted.vendor_job_id in {job.vendor_job_id for job in await adapter.list_active()}

    running = await wait_for_job(adapter, submitted.vendor_job_id, is_running)
    assert running.raw_status == case.words.running and running.finished_at is None
    done = await wait_for_job(adapter, submitted.vendor_job_id, is_terminal)
    assert (done.status, done.raw_status, done.reason) == (JobStatus.SUCCEEDED, case.words.succeeded, None)
    if case.reports_run_times:
        assert running.started_at is not None and done.started_at is not None and done.finished_at is not None
        assert done.created_at is not None and done.created_at <= done.started_at < done.finished_at
    else:  # the watcher observes them
        assert done.started_at is None and done.finished_at is None
    if case.run_times_exact:
        assert (done.finished_at - done.started_at).total_seconds() == pytest.approx(0.5, abs=0.01)
    if adapter.can_list:
        assert submitted.vendor_job_id not in {job.vendor_job_id for job in await adapter.list_active()}


@vendors()
async def test_a_steered_failure_ends_failed(case: VendorCase, adapter: VendorAdapter, sim: Sim) -> None:
    usual, _ = case.flavors(sim)
    job = await adapter.submit(case.request(usual, SWITCHYARD_SIM_RUN_SECONDS="0.2", SWITCHYARD_SIM_OUTCOME="failed"))
    done = await wait_for_job(adapter, job.vendor_job_id, is_terminal)
    assert (done.status, done.raw_status) == (JobStatus.FAILED, case.words.failed)
    assert case.failure_reason(done), done.reason
    if case.reports_run_times:
        assert done.finished_at is not None


@vendors(lambda case: case.has_logs)
async def test_a_jobs_logs_grow_while_it_runs_and_end_with_its_exit_status(case: VendorCase, adapter: VendorAdapter,
                                                                          sim: Sim) -> None:
    usual, _ = case.flavors(sim)
    request = case.request(usual, SWITCHYARD_SIM_RUN_SECONDS="3")
    job = await adapter.submit(request)
    assert await adapter.logs(job.vendor_job_id) == []  # nothing written before it runs
    await wait_for_job(adapter, job.vendor_job_id, is_running)
    early = await wait_for_logs(adapter, job.vendor_job_id, lambda lines: any("step " in line for line in lines))
    assert request.image in early[0] and request.command in early[1]
    await wait_for_job(adapter, job.vendor_job_id, is_terminal)
    lines = await adapter.logs(job.vendor_job_id)
    assert lines[:len(early)] == early and lines[-1].endswith("exit status 0")
    assert await adapter.logs(job.vendor_job_id, tail_lines=2) == lines[-2:]


@vendors(lambda case: not case.has_logs)
async def test_a_vendor_without_a_log_api_says_so(case: VendorCase, adapter: VendorAdapter, sim: Sim) -> None:
    usual, _ = case.flavors(sim)
    job = await adapter.submit(case.request(usual, SWITCHYARD_SIM_RUN_SECONDS="30"))
    with pytest.raises(LogsUnsupported) as caught:
        await adapter.logs(job.vendor_job_id)
    assert caught.value.vendor == case.vendor
    await adapter.stop(job.vendor_job_id)


async def wait_for_logs(adapter: VendorAdapter, vendor_job_id: str, done: Callable[[list[str]], bool]) -> list[str]:
    for _ in range(200):
        lines = await adapter.logs(vendor_job_id)
        if done(lines):
            return lines
        await asyncio.sleep(0.05)
    raise AssertionError(f"the logs never got there: {lines}")


@vendors(lambda case: case.has_metrics)
async def test_a_running_jobs_metrics_are_named_series_from_its_start(case: VendorCase, adapter: VendorAdapter,
                                                                      sim: Sim) -> None:
    usual, _ = case.flavors(sim)
    job = await adapter.submit(case.request(usual, SWITCHYARD_SIM_RUN_SECONDS="30"))
    assert await adapter.metrics(job.vendor_job_id) == []  # nothing measured before it runs
    running = await wait_for_job(adapter, job.vendor_job_id, is_running)
    series = await adapter.metrics(job.vendor_job_id)
    assert {s.name for s in series} >= {"cpu_usage", "mem_usage"}
    for one in series:
        assert one.unit == SERIES_UNITS[one.name] and one.points
        assert all(0 <= value <= 100 for _, value in one.points)
        if running.started_at is not None:
            assert one.points[0][0] >= running.started_at.replace(microsecond=0)
    await adapter.stop(job.vendor_job_id)


@vendors(lambda case: not case.has_metrics)
async def test_a_vendor_without_job_metrics_says_so(case: VendorCase, adapter: VendorAdapter, sim: Sim) -> None:
    usual, _ = case.flavors(sim)
    job = await adapter.submit(case.request(usual, SWITCHYARD_SIM_RUN_SECONDS="30"))
    with pytest.raises(MetricsUnsupported) as caught:
        await adapter.metrics(job.vendor_job_id)
    assert caught.value.vendor == case.vendor
    await adapter.stop(job.vendor_job_id)


@with_code("invalid_steering")
async def test_a_refused_request_is_invalid(case: VendorCase, adapter: VendorAdapter, sim: Sim) -> None:
    usual, _ = case.flavors(sim)
    with pytest.raises(InvalidRequest) as caught:
        await adapter.submit(case.request(usual, SWITCHYARD_SIM_RUN_SECONDS="soon"))
    assert_said(case, "invalid_steering", caught.value)


@vendors()
async def test_submit_is_idempotent_by_name(case: VendorCase, adapter: VendorAdapter, sim: Sim) -> None:
    usual, _ = case.flavors(sim)
    request = case.request(usual, SWITCHYARD_SIM_RUN_SECONDS="30")
    first = await adapter.submit(request)
    second = await adapter.submit(request)
    assert second.vendor_job_id == first.vendor_job_id
    if case.jobs_named is not None:
        assert case.jobs_named(sim, request.name) == 1
    await adapter.stop(first.vendor_job_id)


@vendors()
async def test_find_by_name_matches_exactly(case: VendorCase, adapter: VendorAdapter, sim: Sim) -> None:
    usual, _ = case.flavors(sim)
    name = unique_name("exact")
    longer = await adapter.submit(case.request(usual, f"{name}-2", SWITCHYARD_SIM_RUN_SECONDS="30"))
    job = await adapter.submit(case.request(usual, name, SWITCHYARD_SIM_RUN_SECONDS="30"))
    found = await adapter.find_by_name(name)
    assert found is not None and found.vendor_job_id == job.vendor_job_id
    assert await adapter.find_by_name(unique_name("missing")) is None
    for vendor_job_id in (longer.vendor_job_id, job.vendor_job_id):
        await adapter.stop(vendor_job_id)


@vendors()
async def test_stop_ends_stopped_and_stopping_again_is_fine(case: VendorCase, start_sim: Callable[..., Sim]) -> None:
    clock = SimClock()  # the job is still stopping when read: the clock moves only in drive_until
    fresh = start_sim(clock=clock)
    usual, _ = case.flavors(fresh)
    async with aclosing(case.adapter(fresh.settings())) as adapter:
        job = await adapter.submit(case.request(usual, SWITCHYARD_SIM_RUN_SECONDS="30"))
        await drive_until(adapter, job.vendor_job_id, is_running, clock)

        await adapter.stop(job.vendor_job_id)
        stopping = await adapter.get(job.vendor_job_id)
        # Where the vendor takes a while to release the job, it still holds (and bills) it: RUNNING until then.
        releasing = case.words.stopping != case.words.stopped
        assert (stopping.raw_status, stopping.status) == (
            case.words.stopping, JobStatus.RUNNING if releasing else JobStatus.STOPPED)
        await adapter.stop(job.vendor_job_id)  # while stopping

        stopped = await drive_until(adapter, job.vendor_job_id, is_terminal, clock)
        assert (stopped.status, stopped.raw_status) == (JobStatus.STOPPED, case.words.stopped)
        if case.reports_run_times:
            assert stopped.finished_at is not None
            assert (stopped.started_at is not None) is case.stopped_has_start
        await adapter.stop(job.vendor_job_id)  # already ended


@vendors()
async def test_a_job_waits_while_its_flavor_is_full_and_one_stopped_waiting_never_runs(
    case: VendorCase, start_sim: Callable[..., Sim], sim: Sim
) -> None:
    fresh, flavor = case.full(start_sim, sim)
    async with aclosing(case.adapter(fresh.settings())) as adapter:
        first = await adapter.submit(case.request(flavor, SWITCHYARD_SIM_RUN_SECONDS="30"))
        await wait_for_job(adapter, first.vendor_job_id, is_running)
        second = await adapter.submit(case.request(flavor, SWITCHYARD_SIM_RUN_SECONDS="30"))
        await asyncio.sleep(0.4)  # well past every simulator's queueing phases
        waiting = await adapter.get(second.vendor_job_id)
        assert (waiting.status, waiting.raw_status) == (JobStatus.QUEUED, case.words.waiting)
        assert case.waiting_reason in (waiting.reason or ""), waiting.reason

        await adapter.stop(first.vendor_job_id)
        started = await wait_for_job(adapter, second.vendor_job_id, is_running)
        stopped = await wait_for_job(adapter, first.vendor_job_id, is_terminal)
        assert stopped.status is JobStatus.STOPPED
        if case.run_times_exact:
            assert started.started_at is not None and stopped.finished_at is not None
            assert started.started_at >= stopped.finished_at

        third = await adapter.submit(case.request(flavor, SWITCHYARD_SIM_RUN_SECONDS="30"))
        await adapter.stop(third.vendor_job_id)
        never_ran = await wait_for_job(adapter, third.vendor_job_id, is_terminal)
        assert (never_ran.status, never_ran.raw_status, never_ran.started_at) == (
            JobStatus.STOPPED, case.words.stopped, None)
        if case.stopped_unstarted_has_end:
            assert never_ran.finished_at is not None
        await adapter.stop(second.vendor_job_id)


@pytest.mark.parametrize(("case", "paging"), [(name, n) for name, case in CASES.items()
                                              for n in range(len(case.paging))], indirect=["case"])
async def test_list_active_pages_through_every_active_job(case: VendorCase, start_sim: Callable[..., Sim],
                                                          paging: int) -> None:
    sim_overrides, settings_overrides = case.paging[paging]
    fresh = start_sim(**sim_overrides)
    adapter = case.adapter(fresh.settings(**settings_overrides))
    usual, _ = case.flavors(fresh)
    try:
        ended = await adapter.submit(case.request(usual, SWITCHYARD_SIM_RUN_SECONDS="0"))
        submitted = [(await adapter.submit(case.request(usual, SWITCHYARD_SIM_RUN_SECONDS="60"))).vendor_job_id
                     for _ in range(60)]
        await wait_for_job(adapter, ended.vendor_job_id, is_terminal)
        active = [job.vendor_job_id for job in await adapter.list_active()]
    finally:
        await adapter.aclose()
    assert sorted(active) == sorted(submitted)  # every one once, the ended one left out
    if case.lists_oldest_first:
        assert active == submitted


# --------------------------------------------------------------------------- typed errors


@vendors()
async def test_an_unknown_job_is_not_found(case: VendorCase, adapter: VendorAdapter) -> None:
    with pytest.raises(NotFound) as caught:
        await adapter.get(case.unknown_job)
    assert_said(case, "not_found", caught.value)
    with pytest.raises(NotFound):
        await adapter.stop(case.unknown_job)


@with_code("unknown_flavor")
async def test_an_unknown_flavor_is_invalid_request(case: VendorCase, adapter: VendorAdapter) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await adapter.submit(case.request(str(uuid.uuid4())))
    assert_said(case, "unknown_flavor", caught.value)


@vendors()
async def test_a_sold_out_flavor_is_capacity_unavailable_and_the_others_still_sell(
    case: VendorCase, adapter: VendorAdapter, sim: Sim
) -> None:
    usual, other = case.flavors(sim)
    sim.put_faults(sold_out=[usual])
    assert httpx.get(f"{sim.url}/_sim/faults").json()["sold_out"] == [usual]
    with pytest.raises(CapacityUnavailable) as caught:
        await adapter.submit(case.request(usual))
    assert_said(case, "sold_out", caught.value, flavor=usual)
    job = await adapter.submit(case.request(other, SWITCHYARD_SIM_RUN_SECONDS="0"))
    await wait_for_job(adapter, job.vendor_job_id, is_terminal)


FAULTS: dict[str, tuple[dict[str, Any], type[VendorError]]] = {
    "throttled": ({"throttle_rate": 1.0}, RateLimited),
    "server_error": ({"error_rate": 1.0}, VendorUnavailable),
    "down": ({"down": True}, VendorUnavailable),
}


@pytest.mark.parametrize(("case", "fault"), [(name, fault) for name, case in CASES.items()
                                             for fault in FAULTS if fault in case.codes], indirect=["case"])
async def test_injected_faults_are_typed(case: VendorCase, adapter: VendorAdapter, sim: Sim, fault: str) -> None:
    await adapter.list_flavors()  # logged in, so the fault hits the call itself
    faults, error = FAULTS[fault]
    sim.put_faults(**faults)
    with pytest.raises(error) as caught:
        await adapter.list_flavors()
    assert_said(case, fault, caught.value)
    if isinstance(caught.value, RateLimited):
        assert caught.value.retry_after_s == 1.0


@vendors()
async def test_an_unreachable_vendor_is_vendor_unavailable(case: VendorCase, sim: Sim) -> None:
    async with aclosing(case.adapter(sim.settings(endpoint=f"http://127.0.0.1:{closed_port()}"))) as adapter:
        with pytest.raises(VendorUnavailable):
            await adapter.list_flavors()


@vendors()
async def test_refused_credentials_are_auth_failed(case: VendorCase, sim: Sim) -> None:
    async with aclosing(case.adapter(sim.settings(**case.wrong_credentials))) as adapter:
        with pytest.raises(AuthFailed) as caught:
            await adapter.list_flavors()
    assert_said(case, "auth_failed", caught.value)


@vendors(lambda case: case.renews_tokens)
async def test_a_token_the_vendor_expired_is_renewed_and_the_call_retried(case: VendorCase, adapter: VendorAdapter,
                                                                         sim: Sim) -> None:
    await adapter.list_flavors()
    sim.expire_tokens()  # server-side: the adapter cannot foresee it
    assert await adapter.list_flavors()


@vendors(lambda case: set(KINDS) - case.adapter.kinds)  # type: ignore[attr-defined]
async def test_kinds_the_vendor_does_not_run_are_invalid_requests(case: VendorCase, adapter: VendorAdapter) -> None:
    for kind in set(KINDS) - adapter.kinds:
        with pytest.raises(InvalidRequest):
            await adapter.list_flavors(kind)  # type: ignore[arg-type]
        with pytest.raises(InvalidRequest):
            await adapter.get(case.unknown_job, kind)  # type: ignore[arg-type]


@vendors(lambda case: case.prober is not None)
def test_fault_draws_repeat_after_reseeding(case: VendorCase, sim: Sim) -> None:
    assert case.prober is not None
    call = case.prober(sim)  # logged in before the faults

    def statuses() -> list[int]:
        sim.put_faults(error_rate=0.5, seed=7)
        return [call() for _ in range(12)]

    first = statuses()
    assert set(first) == {200, 500}
    assert statuses() == first
