"""Small helpers shared by the AI Space contract tests."""

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import Any

from tests.contract.aispace.conftest import RunningSim

V1 = "/api/aidp/v1"
ALPHA = "/api/aidp/alpha"


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def packages(sim: RunningSim, spec_type: str = "compute") -> list[dict[str, Any]]:
    body = sim.ok("POST", f"{V1}/resource/list", query={"requestInfo": "region1"},
                  body={"pageSize": 100, "pageNum": 1, "specType": spec_type})  # fmt: skip
    return body["data"]["list"]


def package(sim: RunningSim, spec_code: str) -> dict[str, Any]:
    """The first package of `spec_code` bound to the default project."""
    return next(p for p in packages(sim) if p["specCode"] == spec_code and p["project"] == sim.config.project_name)


def wait_until(check: Callable[[], Any], timeout_s: float = 5.0, interval_s: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out; last value {value!r}"
        time.sleep(interval_s)


async def wait_async(check: Callable[[], Any], timeout_s: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = await check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out; last value {value!r}"
        await asyncio.sleep(0.05)
