"""CAIP contract fixtures: the CAIP simulator served over real HTTP (in-process, on a free port),
and a CAIP adapter pointed at it."""

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest
import pytest_asyncio

from services.vendors.caip import CaipAdapter, CaipSettings
from services.vendorsim.caip import API_PREFIX, LOGIN_PATH, CaipSimConfig, create_app
from tests.contract.support import simulator_factory

# Short phases keep the suite fast; jobs steer their own run time.
FAST_SIM = CaipSimConfig(pending_s=0.1, run_s=1.0, aborting_s=0.2, terminating_s=0.2, volume_ready_s=0.1)


@dataclass(frozen=True)
class CaipSimulator:
    config: CaipSimConfig
    url: str

    @property
    def namespace(self) -> str:
        return self.config.namespace

    def settings(self, **overrides: Any) -> CaipSettings:
        """Adapter settings for this simulator (explicit, so SWITCHYARD_CAIP_* in the env cannot leak in)."""
        values: dict[str, Any] = {
            "endpoint": self.url,
            "api_prefix": API_PREFIX,
            "auth_path": LOGIN_PATH,
            "username": self.config.username,
            "password": self.config.password,
            "namespace": self.config.namespace,
            "token_ttl_s": 12 * 3600.0,
            "timeout_s": 5.0,
            "offset_mode": self.config.offset_mode,
            "page_size": 50,
            "cny_per_credit": Decimal(1),
            "priority_class": "train-job-priority-1",
            "distributed_commun_type": "pytorch",
            "find_name_before_create": True,
        }
        return CaipSettings(**(values | overrides))

    def token(self) -> str:
        response = httpx.post(
            f"{self.url}{LOGIN_PATH}", json={"identity": self.config.username, "password": self.config.password}
        )
        assert response.status_code == 201, response.text
        return response.headers["X-Subject-Token"]

    def client(self, token: str | None = None, prefix: str = API_PREFIX) -> httpx.Client:
        """A plain HTTP client under `{prefix}/v2`, authenticated with `token` when given."""
        headers = {"X-Auth-Token": token} if token else {}
        return httpx.Client(base_url=f"{self.url}{prefix}/v2", headers=headers)

    def put_faults(self, **faults: Any) -> None:
        response = httpx.put(f"{self.url}/_sim/faults", json=faults)
        assert response.status_code == 200, response.text


@pytest.fixture(scope="session")
def start_caip() -> Iterator[Callable[..., CaipSimulator]]:
    """Factory: `start_caip(**overrides)` serves a fresh simulator with FAST_SIM plus overrides."""
    with simulator_factory(create_app, FAST_SIM, CaipSimulator) as start:
        yield start


@pytest.fixture(scope="session")
def shared_caip(start_caip: Callable[..., CaipSimulator]) -> CaipSimulator:
    return start_caip()


@pytest.fixture
def caip_sim(shared_caip: CaipSimulator) -> Iterator[CaipSimulator]:
    """The shared simulator; faults are cleared after each test."""
    yield shared_caip
    shared_caip.put_faults()


@pytest_asyncio.fixture
async def caip(caip_sim: CaipSimulator) -> AsyncIterator[CaipAdapter]:
    adapter = CaipAdapter(caip_sim.settings())
    yield adapter
    await adapter.aclose()
