"""Contract-test fixtures: every vendor's simulator served in-process over real HTTP (tests/contract/support.py).

Each simulator runs under uvicorn in a background thread on a free 127.0.0.1 port, so an adapter (on the test's
own event loop) talks to it through real sockets. Each vendor's directory takes its `start_sim`, `sim` and
`adapter` fixtures from `support.vendor_fixtures`; the adapter contract suite (test_adapter_contract.py) runs
against all four.
"""

from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from tests.contract.cases import CASES
from tests.contract.support import Simulators


@pytest.fixture(scope="session")
def simulators() -> Iterator[Simulators]:
    with ExitStack() as stack:
        yield Simulators(CASES, stack)
