"""Test steering shared by every simulator: a job's environment decides how it runs.

A job whose environment holds `SWITCHYARD_SIM_RUN_SECONDS=N` runs N seconds once it
starts, and `SWITCHYARD_SIM_OUTCOME=succeeded|failed` chooses how it ends.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

RUN_SECONDS_VAR = "SWITCHYARD_SIM_RUN_SECONDS"
OUTCOME_VAR = "SWITCHYARD_SIM_OUTCOME"


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class Steering:
    run_seconds: float
    outcome: Outcome


class SteeringError(ValueError):
    """A steering variable holds a value the simulator cannot use."""


def parse_steering(env: Mapping[str, str], default_run_s: float) -> Steering:
    """Read the steering variables from a job's environment (absent ones take defaults)."""
    return Steering(
        run_seconds=_run_seconds(env.get(RUN_SECONDS_VAR), default_run_s),
        outcome=_outcome(env.get(OUTCOME_VAR)),
    )


def _run_seconds(raw: str | None, default_run_s: float) -> float:
    if raw is None:
        return default_run_s
    try:
        seconds = float(raw)
    except ValueError:
        raise SteeringError(f"{RUN_SECONDS_VAR}={raw!r} is not a number") from None
    if not math.isfinite(seconds) or seconds < 0:
        raise SteeringError(f"{RUN_SECONDS_VAR}={raw!r} must be a finite number >= 0")
    return seconds


def _outcome(raw: str | None) -> Outcome:
    if raw is None:
        return Outcome.SUCCEEDED
    try:
        return Outcome(raw.strip().lower())
    except ValueError:
        allowed = "|".join(outcome.value for outcome in Outcome)
        raise SteeringError(f"{OUTCOME_VAR}={raw!r} must be one of {allowed}") from None
