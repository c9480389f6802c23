"""Two processes calling one Qizhi account stay within the account's rate together: their budget is shared
through PostgreSQL, and the calls are counted where they arrive, on the simulator."""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.stack import free_port

ROOT = Path(__file__).resolve().parents[2]
RATE, BURST, CALLS_EACH = 5, 5, 15


@pytest.fixture
def qizhi_simulator():
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "services.vendorsim", "qizhi", "--port", str(port)], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{url}/_sim/stats", timeout=1).raise_for_status()
            break
        except httpx.HTTPError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)


def most_in_any_second(arrivals: list[float]) -> int:
    arrivals = sorted(arrivals)
    return max(sum(1 for t in arrivals[i:] if t < start + 1.0) for i, start in enumerate(arrivals))


def test_two_processes_calling_one_account_stay_within_its_rate_together(scratch_database_url, qizhi_simulator):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SWITCHYARD_QIZHI_ENDPOINT": qizhi_simulator,
           "SWITCHYARD_QIZHI_RATE_PER_S": str(RATE), "SWITCHYARD_QIZHI_RATE_BURST": str(BURST)}
    callers = [subprocess.Popen([sys.executable, "-m", "tests.integration.rate_budget_caller", scratch_database_url,
                                 str(CALLS_EACH)], cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                text=True) for _ in range(2)]
    try:
        for caller in callers:
            assert caller.stdout.readline().strip() == "ready"
        httpx.delete(f"{qizhi_simulator}/_sim/stats").raise_for_status()
        for caller in callers:
            caller.stdin.write("go\n")
            caller.stdin.flush()
        for caller in callers:
            assert caller.stdout.readline().strip() == "done"
    finally:
        for caller in callers:
            caller.kill() if caller.poll() is None else None
    stats = httpx.get(f"{qizhi_simulator}/_sim/stats").json()
    arrivals = stats["arrived_at"]
    assert len(arrivals) >= 2 * CALLS_EACH  # every call (and each caller's login) reached the vendor
    # GCRA lets BURST calls through at once, then RATE a second: at most BURST + RATE in any second, for both
    # callers together (two budgets of their own would let through twice that). A little room for calls that
    # left on time and arrived together.
    assert most_in_any_second(arrivals) <= BURST + RATE + 2
