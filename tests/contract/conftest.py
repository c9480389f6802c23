"""Contract-test fixtures: the ModelArts simulator served over real HTTP, and an adapter pointed at it.

Each simulator runs in-process under uvicorn in a background thread on a free
127.0.0.1 port, so the adapter (on the test's own event loop) talks to it through
real sockets. Raw calls go through `RunningSimulator.client` (IAM token) or
`RunningSimulator.signed` (AK/SK, signed by huaweicloudsdkcore as Huawei's own clients sign).
"""

import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest

from services.vendors.modelarts import DEFAULT_PRICES, ModelArtsAdapter, ModelArtsSettings
from services.vendorsim.modelarts import ModelArtsSimConfig, create_app
from tests.contract.support import simulator_factory

# Short phases keep the suite fast; jobs steer their own run time. Notebooks and services run until
# stopped, so the shared simulator has room for every one the session starts.
FAST_SIM = ModelArtsSimConfig(
    creating_s=0.1, pending_s=0.1, run_s=1.0, terminating_s=0.2, notebook_start_s=0.1, service_deploy_s=0.1,
    capacity=100,
)


@dataclass(frozen=True)
class RunningSimulator:
    config: ModelArtsSimConfig
    url: str

    @property
    def project_id(self) -> str:
        return self.config.project_id

    def settings(self, **overrides: Any) -> ModelArtsSettings:
        """Adapter settings for this simulator (explicit, so SWITCHYARD_MODELARTS_* in the env cannot leak in)."""
        values: dict[str, Any] = {
            "endpoint": self.url,
            "iam_endpoint": None,
            "username": self.config.username,
            "password": self.config.password,
            "domain": self.config.domain,
            "project_id": None,
            "project_name": self.config.project_name,
            "timeout_s": 5.0,
            "search_offset_mode": self.config.search_offset_mode,
            "prices": dict(DEFAULT_PRICES),
            "auth": "token",
            "ak": self.config.ak,
            "sk": self.config.sk,
        }
        return ModelArtsSettings(**(values | overrides))

    def raw_token(self) -> str:
        body = {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {
                            "name": self.config.username,
                            "password": self.config.password,
                            "domain": {"name": self.config.domain},
                        }
                    },
                },
                "scope": {"project": {"name": self.config.project_name}},
            }
        }
        response = httpx.post(f"{self.url}/v3/auth/tokens", json=body)
        assert response.status_code == 201, response.text
        return response.headers["X-Subject-Token"]

    def client(self, token: str | None = None) -> httpx.Client:
        """A plain HTTP client, authenticated with `token` when given."""
        headers = {"X-Auth-Token": token} if token else {}
        return httpx.Client(base_url=self.url, headers=headers)

    def v1(self, path: str) -> str:
        return f"/v1/{self.project_id}{path}"

    def v2(self, path: str) -> str:
        return f"/v2/{self.project_id}{path}"

    def signed(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        query: list[tuple[str, str]] | None = None,
        ak: str | None = None,
        sk: str | None = None,
        sdk_date: str | None = None,
        send_body: bytes | None = None,
    ) -> httpx.Response:
        """A raw call signed with AK/SK by the SDK's signer; `sdk_date` pins X-Sdk-Date, `send_body`
        replaces the body after signing (a tampered request)."""
        body = json.dumps(json_body).encode() if json_body is not None else b""
        headers = {"Content-Type": "application/json"} | ({"X-Sdk-Date": sdk_date} if sdk_date else {})
        request = SdkRequest(method=method, schema="http", host=self.url.removeprefix("http://"), resource_path=path,
                             query_params=list(query or []), header_params=headers, body=body)
        credentials = BasicCredentials(ak or self.config.ak, sk or self.config.sk, self.project_id)
        signed = credentials.sign_request(request)
        content = send_body if send_body is not None else body
        return httpx.request(method, signed.url, headers=dict(signed.header_params), content=content or None)

    def put_faults(self, **faults: Any) -> None:
        response = httpx.put(f"{self.url}/_sim/faults", json=faults)
        assert response.status_code == 200, response.text


StartSimulator = Callable[..., RunningSimulator]


@pytest.fixture(scope="session")
def start_simulator() -> Iterator[Callable[..., RunningSimulator]]:
    """Factory: `start_simulator(**overrides)` serves a fresh simulator with FAST_SIM plus overrides.

    Every simulator started this way is stopped at the end of the session.
    """
    with simulator_factory(create_app, FAST_SIM, RunningSimulator) as start:
        yield start


@pytest.fixture(scope="session")
def shared_sim(start_simulator: Callable[..., RunningSimulator]) -> RunningSimulator:
    return start_simulator()


@pytest.fixture
def sim(shared_sim: RunningSimulator) -> Iterator[RunningSimulator]:
    """The shared simulator; faults are cleared after each test."""
    yield shared_sim
    shared_sim.put_faults()


@pytest_asyncio.fixture
async def adapter(sim: RunningSimulator) -> AsyncIterator[ModelArtsAdapter]:
    modelarts = ModelArtsAdapter(sim.settings())
    yield modelarts
    await modelarts.aclose()


@pytest_asyncio.fixture(params=["token", "aksk"])
async def either_adapter(sim: RunningSimulator, request: pytest.FixtureRequest) -> AsyncIterator[ModelArtsAdapter]:
    """The adapter under each authentication scheme in turn."""
    modelarts = ModelArtsAdapter(sim.settings(auth=request.param))
    yield modelarts
    await modelarts.aclose()
