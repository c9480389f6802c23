"""Qizhi contract fixtures: the simulator served over real HTTP, and an adapter pointed at it.

The simulator runs in-process under uvicorn in a background thread on a free 127.0.0.1 port
(the server thread of the ModelArts contract tests), so the adapter talks to it through sockets.
"""

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio

from services.vendors.qizhi import QizhiAdapter, QizhiSettings
from services.vendorsim.qizhi import QizhiSimConfig, create_app
from services.vendorsim.qizhi.catalog import LOGIC_COMPUTE_GROUPS
from tests.contract.support import simulator_factory

# Short phases keep the suite fast; jobs steer their own run time.
FAST_SIM = QizhiSimConfig(created_s=0.05, queue_s=0.1, creating_s=0.1, run_s=1.0)


@dataclass(frozen=True)
class QizhiSim:
    config: QizhiSimConfig
    url: str

    def settings(self, **overrides: Any) -> QizhiSettings:
        """Adapter settings for this simulator, every field explicit so SWITCHYARD_QIZHI_* cannot leak in.

        The rate limit is generous here; the tests of the limits set their own.
        """
        values: dict[str, Any] = {
            "endpoint": self.url,
            "username": self.config.username,
            "password": self.config.password,
            "project_id": self.config.project_id,
            "workspace_id": self.config.workspace_id,
            "logic_compute_group_ids": [group.lcg_id for group in LOGIC_COMPUTE_GROUPS],
            "specs": None,
            "framework": "pytorch",
            "image_type": "SOURCE_PRIVATE",
            "task_priority": 4,
            "shm_gi": None,
            "timeout_s": 5.0,
            "create_timeout_s": 5.0,
            "rate_per_s": 500.0,
            "rate_burst": None,
            "concurrency": 8,
            "throttle_backoff_s": 1.0,
        }
        return QizhiSettings(**(values | overrides))

    def token(self) -> str:
        body = {"username": self.config.username, "password": self.config.password}
        response = httpx.post(f"{self.url}/auth/token", json=body)
        assert response.status_code == 200, response.text
        return response.json()["data"]["access_token"]

    def post(self, path: str, body: Any, token: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.post(f"{self.url}{path}", json=body, headers=headers)

    def put_faults(self, **faults: Any) -> None:
        response = httpx.put(f"{self.url}/_sim/faults", json=faults)
        assert response.status_code == 200, response.text

    def expire_tokens(self) -> None:
        assert httpx.post(f"{self.url}/_sim/tokens/expire").status_code == 204

    def jobs(self) -> list[dict[str, str]]:
        return httpx.get(f"{self.url}/_sim/jobs").json()

    def stats(self) -> dict[str, Any]:
        return httpx.get(f"{self.url}/_sim/stats").json()

    def reset_stats(self) -> None:
        assert httpx.delete(f"{self.url}/_sim/stats").status_code == 204


StartQizhi = Callable[..., QizhiSim]


@pytest.fixture(scope="session")
def start_qizhi() -> Iterator[StartQizhi]:
    """Factory: `start_qizhi(**overrides)` serves a fresh simulator with FAST_SIM plus overrides."""
    with simulator_factory(create_app, FAST_SIM, QizhiSim) as start:
        yield start


@pytest.fixture(scope="session")
def shared_qizhi(start_qizhi: StartQizhi) -> QizhiSim:
    return start_qizhi()


@pytest.fixture
def qsim(shared_qizhi: QizhiSim) -> Iterator[QizhiSim]:
    """The shared simulator; faults are cleared after each test."""
    yield shared_qizhi
    shared_qizhi.put_faults()


@pytest_asyncio.fixture
async def qizhi(qsim: QizhiSim) -> AsyncIterator[QizhiAdapter]:
    adapter = QizhiAdapter(qsim.settings())
    yield adapter
    await adapter.aclose()
