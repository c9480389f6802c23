"""ModelArts contract fixtures (`start_sim`, `sim`, `adapter`: tests/contract/support.py), `either_adapter`, the
adapter under each authentication scheme in turn, and `client`, a raw client with an IAM token."""

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio

from services.vendors.modelarts import ModelArtsAdapter
from tests.contract.modelarts.case import ModelArtsSim
from tests.contract.support import vendor_fixtures

start_sim, sim, adapter = vendor_fixtures("modelarts")


@pytest_asyncio.fixture(params=["token", "aksk"])
async def either_adapter(sim: ModelArtsSim, request: pytest.FixtureRequest) -> AsyncIterator[ModelArtsAdapter]:
    modelarts = ModelArtsAdapter(sim.settings(auth=request.param))
    yield modelarts
    await modelarts.aclose()


@pytest.fixture
def client(sim: ModelArtsSim) -> Iterator[httpx.Client]:
    with sim.client(sim.raw_token()) as raw:
        yield raw
