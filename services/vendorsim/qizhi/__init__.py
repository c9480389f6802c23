"""Qizhi (SII, 启智平台) simulator: bearer tokens, distributed training jobs and the resource specs.

Run with `python -m services.vendorsim qizhi --port 18003 --username U --password PW`. What it
follows: `shared/vendors/qizhi.md` ([DOC] exactly; [EXT]/[INFER] points are marked where used
and configurable in `QizhiSimConfig`).
"""

from services.vendorsim.qizhi.app import create_app
from services.vendorsim.qizhi.catalog import LOGIC_COMPUTE_GROUPS, SPECS
from services.vendorsim.qizhi.config import QizhiSimConfig, add_cli_arguments, config_from_cli

VENDOR = "qizhi"
DEFAULT_PORT = 18003  # where the adapter's default endpoint looks
# Short phases for the end-to-end tests: about 0.5 s from create to running.
FAST_ARGS = ["--created-s", "0.1", "--queue-s", "0.2", "--creating-s", "0.3"]


def banner(config: QizhiSimConfig) -> str:
    groups = ",".join(group.lcg_id for group in LOGIC_COMPUTE_GROUPS)
    return (
        f"Qizhi simulator: username={config.username} password={config.password} "
        f"project_id={config.project_id} workspace_id={config.workspace_id} "
        f"logic_compute_group_ids={groups} specs={len(SPECS)}"
    )


__all__ = [
    "DEFAULT_PORT",
    "FAST_ARGS",
    "QizhiSimConfig",
    "add_cli_arguments",
    "banner",
    "config_from_cli",
    "create_app",
]
