"""Settings of the Qizhi adapter (environment variables SWITCHYARD_QIZHI_*), and the specs they may list."""

from decimal import Decimal

from pydantic import BaseModel, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.vendors.qizhi.errors import MessageMarkers

VENDOR = "qizhi"


class StaticSpec(BaseModel):
    """A spec given in settings instead of read from the spec list."""

    spec_id: str
    logic_compute_group_id: str
    accelerator: str  # normalized class, e.g. "nvidia-h100"
    gpu_count: int
    cpu: int
    memory_gb: int
    price_per_hour: Decimal  # CNY per instance-hour, e.g. "14.6"


class QizhiSettings(BaseSettings):
    """Defaults point at the local simulator (`python -m services.vendorsim qizhi --port 18003`)."""

    model_config = SettingsConfigDict(env_prefix="SWITCHYARD_QIZHI_")

    endpoint: str = "http://127.0.0.1:18003"
    username: str = "sim-user"
    password: SecretStr = SecretStr("sim-password")
    # Where jobs go; the defaults are the simulator's development project, workspace and groups.
    project_id: str = "project-0ca5ec4c-7cf6-4700-9d2e-cd95c04e6e8e"
    workspace_id: str = "ws-9dcc0e1f-80a4-4af2-bc2f-0e352e7b17e6"
    logic_compute_group_ids: list[str] = [
        "lcg-303ac8c6-aa19-4284-af03-2296592326e5",
        "lcg-7c41d2e0-5f3b-4a8e-9b6d-0e2f4a1c3b5d",
    ]
    # [EXT] a public client reports that the live `/openapi/v1/specs/list` answers 404; then list
    # the account's specs here (JSON) and the spec list is not called.
    specs: list[StaticSpec] | None = None
    framework: str = "pytorch"  # [EXT] the document refers to a Framework enum it does not include
    image_type: str = "SOURCE_PRIVATE"  # [EXT] observed: SOURCE_PRIVATE, SOURCE_PUBLIC
    task_priority: int = 4  # [EXT] 1-10, capped per project; 1-4 is the low band
    shm_gi: float | None = None  # shared memory per instance; None leaves it to the platform
    # [INFER] the document bounds `instance_count` nowhere; the most instances (nodes) one job asks of a spec
    # (the simulator's default capacity per spec).
    max_instances: int = 4
    timeout_s: float = 10.0
    create_timeout_s: float = 60.0  # generous: a create that times out has an unknown outcome
    # [INFER] the document states no rate limit; conservative defaults, per adapter (process).
    rate_per_s: float = 5.0
    rate_burst: int | None = None  # None: one second's worth of rate_per_s
    concurrency: int = 4
    throttle_backoff_s: float = 1.0  # pause after a 429 that names no Retry-After
    not_found_markers: tuple[str, ...] = MessageMarkers.not_found
    capacity_markers: tuple[str, ...] = MessageMarkers.capacity
    remembered_names: int = 10_000  # submitted names kept for idempotent retries
