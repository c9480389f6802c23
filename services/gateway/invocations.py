"""Which job takes calls through `POST /v1/jobs/{id}/invoke`, and what a call counts for.

A job takes calls when it is an inference service, RUNNING as the read model knows it, and its vendor has reported
the service's http address; anything else is a 409 `job-not-invocable`. A call the service answered with a 2xx
counts once, with the bytes of its request and answer bodies (for a later price); a refused or failed call is not
counted, as the tenant got nothing from it.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from contracts.status import JobStatus
from services.common.problems import Problem


def not_invocable(detail: str) -> Problem:
    return Problem(409, "Job not invocable", detail, type_="job-not-invocable")


def service_address(kind: str, status: str, endpoints: Sequence[dict[str, Any]]) -> str:
    """The address to call for a job of `kind` in `status` with these endpoints, or the 409 problem saying why
    there is none."""
    if kind != "inference":
        raise not_invocable(f"A {kind} job takes no calls; only inference services do.")
    if status != JobStatus.RUNNING:
        raise not_invocable(f"The service is {status}; it takes calls while RUNNING.")
    address = next((e["url"] for e in endpoints if e.get("type") == "http"), None)
    if address is None:
        raise not_invocable("The vendor has not reported the service's address yet; try again shortly.")
    return address


@dataclass(frozen=True)
class Usage:
    count: int
    bytes: int


def usage_of(status: int, request_bytes: int, answer_bytes: int) -> Usage:
    """What one forwarded call adds to the job's invocations: nothing unless the service answered 2xx."""
    if not 200 <= status < 300:
        return Usage(0, 0)
    return Usage(1, request_bytes + answer_bytes)
