"""The vendor-neutral job a tenant submits."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from contracts.data import MAX_MOUNTS, DataMount, check_mounts
from contracts.inputs import Text, storable_text
from contracts.money import AMOUNT_PATTERN

JobKind = Literal["training", "notebook", "inference"]
JOB_KINDS: tuple[str, ...] = ("training", "notebook", "inference")

TrainingTask = Literal["pt", "sft", "dpo", "rw", "ppo"]  # LLM pre-training and fine-tuning tasks


# Size bounds: a JobRequested carries the whole spec and must stay far below Kafka's 1 MiB per message.
MAX_ENV_NAME = 128
MAX_ENV_VALUE = 4096
MAX_SPEC_BYTES = 128 * 1024  # the spec as JSON; 100 env entries at their longest would not fit
MAX_NODES = 64
EnvName = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ENV_NAME)]
EnvValue = Annotated[str, StringConstraints(max_length=MAX_ENV_VALUE)]


class Resources(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accelerator: str = Field(
        min_length=1, max_length=32, pattern=r"^[a-z0-9-]+$",
        description="Accelerator class, e.g. ascend-910b, nvidia-v100, mlu370, cpu",
    )
    count: int = Field(ge=0, le=64, description="Accelerators per node (0 for cpu)")
    nodes: int = Field(default=1, ge=1, le=MAX_NODES,
                       description="training only: nodes the job runs on, each with `count` accelerators; a flavor "
                                   "whose vendor cannot run that many is not a candidate")


Priority = Literal["low", "normal", "high"]
PRIORITY_RANK = {"low": 0, "normal": 1, "high": 2}


class Placement(BaseModel):
    """Where a job may run."""

    model_config = ConfigDict(extra="forbid")

    vendors: list[Text] | None = Field(default=None, min_length=1, description="only these vendors")
    exclude_vendors: list[Text] = Field(default_factory=list, description="never these vendors")
    max_price_per_hour: str | None = Field(
        default=None, pattern=AMOUNT_PATTERN, examples=["30.00"],
        description="the most the job may cost per hour at sell price, CNY",
    )


class JobSpec(BaseModel):
    """A job as a tenant submits it, vendor-neutral: the gateway, the scheduler and every adapter read this."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "kind": "training", "name": "resnet50", "image": "swr.cn-north-4.myhuaweicloud.com/demo/pytorch:2.1",
        "command": "python train.py", "resources": {"accelerator": "ascend-910b", "count": 1},
        "env": {"EPOCHS": "3"}, "max_runtime_s": 3600,
        "inputs": [{"name": "data", "uri": "obs://my-bucket/imagenet/", "mount": "/data/imagenet"}],
        "outputs": [{"name": "checkpoints", "uri": "obs://my-bucket/runs/resnet50/", "mount": "/data/out"}]}]})

    kind: JobKind = Field(description="training (runs its command to an end), notebook (an interactive "
                                      "environment) or inference (a service answering calls)")
    name: Text = Field(min_length=1, max_length=128, description="the tenant's name for the job",
                       examples=["resnet50"])
    image: Text = Field(min_length=1, max_length=512, description="the container image the job runs",
                        examples=["swr.cn-north-4.myhuaweicloud.com/demo/pytorch:2.1"])
    command: Text | None = Field(default=None, min_length=1, max_length=8192,
                                 description="required for training; optional start command otherwise")
    resources: Resources = Field(description="what one job runs on")
    env: dict[EnvName, EnvValue] = Field(default_factory=dict, max_length=100,
                                         description="environment variables of the job's container")
    max_runtime_s: int | None = Field(default=None, ge=60, le=30 * 24 * 3600,
                                      description="stopped after this long; bounds the most a quote says it "
                                                  "can cost")
    task: TrainingTask | None = Field(default=None, description="training only: an LLM task such as sft")
    storage_gb: int | None = Field(default=None, ge=1, le=4096, description="notebook only: disk size")
    replicas: int | None = Field(default=None, ge=1, le=128, description="inference only: instances")
    model: Text | None = Field(default=None, min_length=1, max_length=512, description="inference only")
    priority: Priority = Field(default="normal", description="order in Switchyard's queue among the tenant's jobs")
    placement: Placement = Field(default_factory=Placement, description="where the job may run")
    inputs: list[DataMount] = Field(default_factory=list, max_length=MAX_MOUNTS,
                                    description="training only: data the job reads; data on one vendor's storage "
                                                "places the job there")
    outputs: list[DataMount] = Field(default_factory=list, max_length=MAX_MOUNTS,
                                     description="training only: where the job writes its results (a vendor's "
                                                 "storage); shown on the job once it ends")

    @property
    def data_vendor(self) -> str | None:
        """The vendor whose storage holds the job's inputs or outputs (None: none does)."""
        return check_mounts(self.inputs, self.outputs)

    @field_validator("env")
    @classmethod
    def _env_is_storable(cls, env: dict[str, str]) -> dict[str, str]:
        for key, value in env.items():
            storable_text(key)
            storable_text(value)
        return env

    @model_validator(mode="after")
    def _fields_fit_the_kind(self) -> "JobSpec":
        if self.kind == "training" and self.command is None:
            raise ValueError("a training job needs a command")
        misplaced = {
            "task": self.task is not None and self.kind != "training",
            "storage_gb": self.storage_gb is not None and self.kind != "notebook",
            "replicas": self.replicas is not None and self.kind != "inference",
            "model": self.model is not None and self.kind != "inference",
            "inputs": bool(self.inputs) and self.kind != "training",
            "outputs": bool(self.outputs) and self.kind != "training",
        }
        wrong = [name for name, bad in misplaced.items() if bad]
        if wrong:
            raise ValueError(f"{', '.join(wrong)} do not apply to a {self.kind} job")
        if self.resources.nodes > 1 and self.kind != "training":
            raise ValueError(f"resources.nodes applies to training jobs only, not to a {self.kind} job")
        return self

    @model_validator(mode="after")
    def _data_is_on_one_vendor(self) -> "JobSpec":
        check_mounts(self.inputs, self.outputs)
        return self

    @model_validator(mode="after")
    def _fits_in_one_event(self) -> "JobSpec":
        size = len(self.model_dump_json().encode())
        if size > MAX_SPEC_BYTES:
            raise ValueError(f"the job spec is {size} bytes as JSON, more than {MAX_SPEC_BYTES}")
        return self
