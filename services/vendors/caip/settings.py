"""Settings of the CAIP adapter (environment variables SWITCHYARD_CAIP_*)."""

from decimal import Decimal
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

VENDOR = "caip"


class CaipSettings(BaseSettings):
    """Defaults point at the local simulator (`python -m services.vendorsim caip --port 18002`)."""

    model_config = SettingsConfigDict(env_prefix="SWITCHYARD_CAIP_")

    endpoint: str = "http://127.0.0.1:18002"
    # [EXT] the gateway puts the Compute Server under /api/compute; "" talks to it directly.
    api_prefix: str = "/api/compute"
    # [EXT] POST {"identity", "password"}; the token comes back in X-Subject-Token.
    auth_path: str = "/api/auth/v3/login/internal"
    username: str = "sim-user"
    password: SecretStr = SecretStr("sim-password")
    namespace: str = "f1a8a60e5878450c9c40fa57161466aa"  # the project id
    # [EXT] clients assume 12 h; used when the login answer carries no `token.expires_at`.
    token_ttl_s: float = 12 * 3600.0
    timeout_s: float = 10.0
    # The doc calls `offset` "the start page"; [EXT] clients send an item offset.
    offset_mode: Literal["item", "page"] = "item"
    # No maximum is documented; [EXT] clients page with limit=100 (a listing of N jobs costs ceil(N/100) calls).
    page_size: int = 100
    # [INFER] the doc does not say what a credit is worth: CNY per credit (1: credit == micro-CNY).
    cny_per_credit: Decimal = Decimal(1)
    priority_class: str = "train-job-priority-1"  # the doc's default class
    # [INFER] communType of a multi-worker job (one worker runs `standalone`).
    distributed_commun_type: Literal["horovod", "tensorflow", "pytorch"] = "pytorch"
    # [INFER] names being unique per project is not documented: look for the name before creating.
    find_name_before_create: bool = True
