"""The Qizhi simulator's settings (each one a command-line option) and the development account it accepts by
default."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, get_args

from services.vendorsim.options import command_line, fixed, option

# The ids in the document's own examples, so requests copied from it work as they are.
DEV_PROJECT_ID = "project-0ca5ec4c-7cf6-4700-9d2e-cd95c04e6e8e"
DEV_WORKSPACE_ID = "ws-9dcc0e1f-80a4-4af2-bc2f-0e352e7b17e6"

# [EXT] clients: a job is timed out by the platform at max_running_time_ms; [INFER] it then
# reads `job_stopped` (the digest allows stopped or failed).
TimeoutStatus = Literal["job_stopped", "job_failed"]
TIMEOUT_STATUSES: tuple[str, ...] = get_args(TimeoutStatus)


@dataclass(frozen=True)
class QizhiSimConfig:
    username: str = option("sim-user", "the one user that may log in")
    password: str = option("sim-password", "that user's password")
    project_id: str = option(DEV_PROJECT_ID, "the project jobs may be created in")
    workspace_id: str = option(DEV_WORKSPACE_ID, "the workspace jobs may be created in")
    token_ttl_s: float = option(604800.0, "[EXT] token lifetime, `expires_in` in seconds (7 days)")
    # [EXT] every answer is wrapped in {code, message, data}; without it, the document's literal
    # shapes (bare payloads, HTTP 400 with a string body for errors).
    envelope: bool = option(True, "wrap every answer in {code, message, data}", negative="--bare")
    bare_token_status: int = option(400, "without the envelope, the HTTP status of a refused token: [DOC] 400 with "
                                         "a string, the only error form; 401 as a gateway in front would answer")
    created_s: float = option(1.0, "created_at -> timeline.created")
    queue_s: float = option(1.0, "least time in job_queuing before the job may take resources")
    creating_s: float = option(2.0, "job_creating: resources prepared -> run (pods, image pull)")
    run_s: float = option(5.0, "default run duration of a job (without steering)")
    capacity: int = option(4, "instances (nodes) per spec that can run at once")
    max_task_priority: int = option(6, "[EXT] the project's cap on task_priority; above it `priority_too_high`")
    timeout_status: TimeoutStatus = option("job_stopped", "status of a job that ran out of max_running_time_ms")
    # [INFER] the document has no error codes for resources; a sold-out spec is refused with the
    # generic parameter-error code and the platform's own words for it, 资源不足.
    sold_out_code: int = option(100002, "the code a sold-out spec is refused with")
    fault_seed: int = option(0, "seed of the fault-injection draws")
    clock: Callable[[], float] = fixed(time.time)

    def __post_init__(self) -> None:
        if self.capacity < 1:
            raise ValueError("capacity must be >= 1")
        if self.timeout_status not in TIMEOUT_STATUSES:
            raise ValueError(f"timeout_status must be one of {TIMEOUT_STATUSES}")


add_cli_arguments, config_from_cli = command_line(QizhiSimConfig)
