"""AI Space contract-test fixtures: the simulator served over real HTTP, a signed raw client, and the adapter."""

import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio

from services.vendors.aispace import AISpaceAdapter, AISpaceSettings
from services.vendors.aispace.auth import sign
from services.vendorsim.aispace import AISpaceSimConfig, create_app
from tests.contract.support import simulator_factory

FAST_SIM = AISpaceSimConfig(pending_s=0.1, run_s=1.0, debug_ready_s=0.1)


@dataclass(frozen=True)
class RunningSim:
    config: AISpaceSimConfig
    url: str

    def settings(self, **overrides: Any) -> AISpaceSettings:
        """Adapter settings for this simulator (explicit, so SWITCHYARD_AISPACE_* in the env cannot leak in)."""
        values: dict[str, Any] = {
            "endpoint": self.url,
            "ak": self.config.ak,
            "sk": self.config.sk,
            "region": self.config.region,
            "project_id": self.config.project_id,
            "timeout_s": 5.0,
            "page_size": 100,
        }
        return AISpaceSettings(**(values | overrides))

    def call(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, Any] | list[tuple[str, str]] | None = None,
        body: Any = None,
        region: str | None = None,
        ak: str | None = None,
        sk: str | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """A signed request with the region header (what any AI Space client sends), unwrapped by nobody."""
        items = list(query.items()) if isinstance(query, dict) else list(query or [])
        items = [(key, value if isinstance(value, str) else json.dumps(value)) for key, value in items]
        content = b"" if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "x-regionid": self.config.region if region is None else region}
        headers |= extra_headers or {}
        url, signed = sign(ak or self.config.ak, sk or self.config.sk, method, httpx.URL(self.url), path, items,
                           headers, content)  # fmt: skip
        return httpx.request(method, url, content=content, headers=signed, timeout=5.0)

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        """The JSON body of a call that must succeed."""
        response = self.call(method, path, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    def put_faults(self, **faults: Any) -> None:
        response = httpx.put(f"{self.url}/_sim/faults", json=faults)
        assert response.status_code == 200, response.text


@pytest.fixture(scope="session")
def start_aispace() -> Iterator[Callable[..., RunningSim]]:
    """Factory: a fresh simulator with FAST_SIM plus overrides; all are stopped at the end of the session."""
    with simulator_factory(create_app, FAST_SIM, RunningSim) as start:
        yield start


@pytest.fixture(scope="session")
def shared_aispace(start_aispace: Callable[..., RunningSim]) -> RunningSim:
    return start_aispace()


@pytest.fixture
def sim(shared_aispace: RunningSim) -> Iterator[RunningSim]:
    """The shared simulator; faults are cleared after each test."""
    yield shared_aispace
    shared_aispace.put_faults()


@pytest_asyncio.fixture
async def adapter(sim: RunningSim) -> AsyncIterator[AISpaceAdapter]:
    aispace = AISpaceAdapter(sim.settings())
    yield aispace
    await aispace.aclose()
