"""The Qizhi simulator's settings and the development account it accepts by default."""

import time
from collections.abc import Callable
from dataclasses import dataclass

# The ids in the document's own examples, so requests copied from it work as they are.
DEV_PROJECT_ID = "project-0ca5ec4c-7cf6-4700-9d2e-cd95c04e6e8e"
DEV_WORKSPACE_ID = "ws-9dcc0e1f-80a4-4af2-bc2f-0e352e7b17e6"

# [EXT] clients: a job is timed out by the platform at max_running_time_ms; [INFER] it then
# reads `job_stopped` (the digest allows stopped or failed).
TIMEOUT_STATUSES = ("job_stopped", "job_failed")


@dataclass(frozen=True)
class QizhiSimConfig:
    username: str = "sim-user"
    password: str = "sim-password"
    project_id: str = DEV_PROJECT_ID
    workspace_id: str = DEV_WORKSPACE_ID
    token_ttl_s: float = 604800.0  # [EXT] 7 days, `expires_in` in seconds
    # [EXT] every answer is wrapped in {code, message, data}; False gives the document's literal
    # shapes (bare payloads, HTTP 400 with a string body for errors).
    envelope: bool = True
    created_s: float = 1.0  # created_at -> timeline.created
    queue_s: float = 1.0  # least time in job_queuing before the job may take resources
    creating_s: float = 2.0  # job_creating: resources prepared -> run (pods, image pull)
    run_s: float = 5.0  # run time of a job without steering
    capacity: int = 4  # instances (nodes) per spec that can run at once
    max_task_priority: int = 6  # [EXT] the project's cap; above it `priority_too_high`
    timeout_status: str = "job_stopped"  # status of a job that ran out of max_running_time_ms
    # [INFER] the document has no error codes for resources; a sold-out spec is refused with the
    # generic parameter-error code and the platform's own words for it, 资源不足.
    sold_out_code: int = 100002
    fault_seed: int = 0
    clock: Callable[[], float] = time.time

    def __post_init__(self) -> None:
        if self.capacity < 1:
            raise ValueError("capacity must be >= 1")
        if self.timeout_status not in TIMEOUT_STATUSES:
            raise ValueError(f"timeout_status must be one of {TIMEOUT_STATUSES}")
