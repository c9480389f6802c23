"""The vendor-neutral job a tenant submits."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

JobKind = Literal["training"]  # notebooks and inference services come with their vendors

ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"


class Resources(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accelerator: str = Field(
        min_length=1, max_length=32, pattern=r"^[a-z0-9-]+$",
        description="Accelerator class, e.g. ascend-910b, nvidia-v100, cpu",
    )
    count: int = Field(ge=0, le=64, description="Accelerators per job (0 for cpu)")


class JobSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: JobKind
    name: str = Field(min_length=1, max_length=128)
    image: str = Field(min_length=1, max_length=512)
    command: str = Field(min_length=1, max_length=8192)
    resources: Resources
    env: dict[str, str] = Field(default_factory=dict, max_length=100)
    max_runtime_s: int | None = Field(default=None, ge=60, le=30 * 24 * 3600)
