"""Huawei ModelArts simulator: IAM tokens and AK/SK signatures; training jobs v2, notebooks v1 and
inference services v1, as the API reference documents them.

State lives in memory and is never advanced by a background task: every request replays the
lifecycles up to "now" from their timestamps, so what a client sees is deterministic for a given
sequence of calls and never moves backwards.
"""

from services.vendorsim.modelarts.app import create_app
from services.vendorsim.modelarts.config import (
    DEFAULT_AK,
    DEFAULT_PORT,
    DEFAULT_PROJECT_ID,
    DEFAULT_SK,
    FAST_ARGS,
    ModelArtsSimConfig,
    add_cli_arguments,
    banner,
    config_from_cli,
)

__all__ = [
    "DEFAULT_AK",
    "DEFAULT_PORT",
    "DEFAULT_PROJECT_ID",
    "DEFAULT_SK",
    "FAST_ARGS",
    "ModelArtsSimConfig",
    "add_cli_arguments",
    "banner",
    "config_from_cli",
    "create_app",
]
