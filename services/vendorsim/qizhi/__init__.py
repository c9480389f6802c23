"""Qizhi (SII, 启智平台) simulator: bearer tokens, distributed training jobs and the resource specs.

Run with `python -m services.vendorsim qizhi --port 18003 --username U --password PW`. What it
follows: `shared/vendors/qizhi.md` ([DOC] exactly; [EXT]/[INFER] points are marked where used
and configurable in `QizhiSimConfig`).
"""

import argparse

from services.vendorsim.qizhi.app import create_app
from services.vendorsim.qizhi.catalog import LOGIC_COMPUTE_GROUPS, SPECS
from services.vendorsim.qizhi.config import TIMEOUT_STATUSES, QizhiSimConfig

VENDOR = "qizhi"
DEFAULT_PORT = 18003  # where the adapter's default endpoint looks
# Short phases for the end-to-end tests: about 0.5 s from create to running.
FAST_ARGS = ["--created-s", "0.1", "--queue-s", "0.2", "--creating-s", "0.3"]


def add_cli_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = QizhiSimConfig()
    parser.add_argument("--username", default=defaults.username)
    parser.add_argument("--password", default=defaults.password)
    parser.add_argument("--project-id", default=defaults.project_id)
    parser.add_argument("--workspace-id", default=defaults.workspace_id)
    parser.add_argument("--token-ttl-s", type=float, default=defaults.token_ttl_s)
    parser.add_argument("--bare", action="store_true", help="answer the document's literal shapes, no envelope")
    parser.add_argument("--created-s", type=float, default=defaults.created_s)
    parser.add_argument("--queue-s", type=float, default=defaults.queue_s)
    parser.add_argument("--creating-s", type=float, default=defaults.creating_s)
    parser.add_argument("--run-s", type=float, default=defaults.run_s, help="default run duration")
    parser.add_argument("--capacity", type=int, default=defaults.capacity, help="instances per spec")
    parser.add_argument("--max-task-priority", type=int, default=defaults.max_task_priority)
    parser.add_argument("--timeout-status", choices=TIMEOUT_STATUSES, default=defaults.timeout_status)
    parser.add_argument("--sold-out-code", type=int, default=defaults.sold_out_code)
    parser.add_argument("--fault-seed", type=int, default=defaults.fault_seed)


def config_from_cli(args: argparse.Namespace) -> QizhiSimConfig:
    return QizhiSimConfig(
        username=args.username,
        password=args.password,
        project_id=args.project_id,
        workspace_id=args.workspace_id,
        token_ttl_s=args.token_ttl_s,
        envelope=not args.bare,
        created_s=args.created_s,
        queue_s=args.queue_s,
        creating_s=args.creating_s,
        run_s=args.run_s,
        capacity=args.capacity,
        max_task_priority=args.max_task_priority,
        timeout_status=args.timeout_status,
        sold_out_code=args.sold_out_code,
        fault_seed=args.fault_seed,
    )


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
