"""Settings of the ModelArts adapter (environment variables SWITCHYARD_MODELARTS_*), and its list prices."""

from decimal import Decimal
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

VENDOR = "modelarts"

# None of the flavor lists carries a price (only `billing.code` + `unit_num`), and the API
# reference documents no price lookup, so list prices come from this configurable table
# (CNY per node-hour, or per instance-hour for services); a flavor missing from it is skipped.
DEFAULT_PRICES: dict[str, Decimal] = {
    # training
    "modelarts.vm.cpu.8u": Decimal("3.20"),
    "modelarts.p3.large.public": Decimal("28.00"),
    "modelarts.bm.gpu.8v100": Decimal("224.00"),
    "modelarts.vm.snt9.1card": Decimal("18.00"),
    "modelarts.bm.snt9.xlarge.2": Decimal("36.00"),  # also a notebook flavor
    "modelarts.vm.snt9.8card": Decimal("144.00"),
    # notebooks
    "modelarts.vm.cpu.2u": Decimal("0.80"),  # also an inference specification
    "modelarts.vm.gpu.vnt1": Decimal("26.00"),
    "modelarts.bm.snt9.xlarge.8": Decimal("144.00"),
    # inference services
    "modelarts.vm.gpu.pnt004": Decimal("7.20"),
    "modelarts.vm.ai1.snt3": Decimal("4.50"),
}


class ModelArtsSettings(BaseSettings):
    """Defaults point at the local simulator (`python -m services.vendorsim modelarts --port 18001`)
    and its dev credentials."""

    model_config = SettingsConfigDict(env_prefix="SWITCHYARD_MODELARTS_")

    endpoint: str = "http://127.0.0.1:18001"
    iam_endpoint: str | None = None  # None: same as endpoint
    auth: Literal["token", "aksk"] = "token"
    # token auth: an IAM user
    username: str = "sim-user"
    password: SecretStr = SecretStr("sim-password")
    domain: str = "sim-domain"
    # AK/SK auth: an access key pair
    ak: str = "SYSIMMODELARTSDEVAK1"
    sk: SecretStr = SecretStr("sySimModelArtsDevSecretKey0000DoNotShare")
    project_id: str | None = None  # None: the token's project, or (AK/SK) IAM's project of `project_name`
    project_name: str = "cn-north-4"
    timeout_s: float = 10.0
    # The doc defines the job search `offset` as a page index; switch if the live API counts records.
    search_offset_mode: Literal["page", "record"] = "page"
    prices: dict[str, Decimal] = Field(default_factory=lambda: dict(DEFAULT_PRICES))
