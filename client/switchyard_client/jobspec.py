"""The job a tenant submits, checked on this side before it is sent (the same rules as the API's JobSpec, so a
wrong job file is reported with its field's line; the API stays the authority)."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

AMOUNT_PATTERN = r"^[0-9]{1,12}(\.[0-9]{1,6})?$"
EnvName = Annotated[str, StringConstraints(min_length=1, max_length=128)]
EnvValue = Annotated[str, StringConstraints(max_length=4096)]


class Resources(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accelerator: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9-]+$")
    count: int = Field(ge=0, le=64)
    nodes: int = Field(default=1, ge=1, le=64)


DATA_SCHEMES = ("obs", "caip-volume", "qizhi-dataset", "aispace-dataset", "aispace-storage", "https")


class DataMount(BaseModel):
    """An input or output: `uri` in its vendor's terms (obs://, caip-volume://, qizhi-dataset://, aispace-dataset://,
    aispace-storage://) or https://; the API checks each form in full."""
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    uri: str = Field(max_length=1024)
    mount: str = Field(max_length=256)

    @model_validator(mode="after")
    def _known_scheme(self) -> "DataMount":
        if self.uri.partition("://")[0] not in DATA_SCHEMES:
            schemes = ", ".join(s + "://" for s in DATA_SCHEMES)
            raise ValueError(f"{self.uri!r}: a data URI starts with one of {schemes}")
        if not self.mount.startswith("/"):
            raise ValueError(f"{self.mount!r}: a mount is an absolute path")
        return self


class Placement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vendors: list[str] | None = Field(default=None, min_length=1)
    exclude_vendors: list[str] = Field(default_factory=list)
    max_price_per_hour: str | None = Field(default=None, pattern=AMOUNT_PATTERN)


class JobSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["training", "notebook", "inference"]
    name: str = Field(min_length=1, max_length=128)
    image: str = Field(min_length=1, max_length=512)
    command: str | None = Field(default=None, min_length=1, max_length=8192)
    resources: Resources
    env: dict[EnvName, EnvValue] = Field(default_factory=dict, max_length=100)
    max_runtime_s: int | None = Field(default=None, ge=60, le=30 * 24 * 3600)
    task: Literal["pt", "sft", "dpo", "rw", "ppo"] | None = None
    storage_gb: int | None = Field(default=None, ge=1, le=4096)
    replicas: int | None = Field(default=None, ge=1, le=128)
    model: str | None = Field(default=None, min_length=1, max_length=512)
    priority: Literal["low", "normal", "high"] = "normal"
    placement: Placement = Field(default_factory=Placement)
    inputs: list[DataMount] = Field(default_factory=list, max_length=16)
    outputs: list[DataMount] = Field(default_factory=list, max_length=16)

    @model_validator(mode="after")
    def _fields_fit_the_kind(self) -> "JobSpec":
        if self.kind == "training" and self.command is None:
            raise ValueError("a training job needs a command")
        misplaced = {"task": "training", "storage_gb": "notebook", "replicas": "inference", "model": "inference",
                     "inputs": "training", "outputs": "training"}
        wrong = [name for name, kind in misplaced.items()
                 if getattr(self, name) not in (None, []) and self.kind != kind]
        if wrong:
            raise ValueError(f"{', '.join(wrong)} do not apply to a {self.kind} job")
        if self.resources.nodes > 1 and self.kind != "training":
            raise ValueError(f"resources.nodes applies to training jobs only, not to a {self.kind} job")
        return self

    def to_api(self) -> dict:
        """The request body: only what was set, so the API applies its own defaults."""
        return self.model_dump(mode="json", exclude_unset=True)
