"""CECSTACK AI Space (AIDP) simulator, as 《CECSTACK 5.3.0 AI Space OpenAPI 参考》 documents it.

`python -m services.vendorsim aispace --port 18004 --ak AK --sk SK`. The account starts with one project space
(id 36) and three compute packages bound to it (1 and 2 x H800, and a CPU package); see `config.py`.
Modules: `config` (settings, specs, starting packages), `wire` (envelopes, errors), `auth` (AK/SK, region),
`times` (UTC+8 formats), `paging` (both list styles), `capacity` (who holds a package when), `resources`
(packages, storage, pools, projects), `notebooks`, `serving`, `tasks`, `evaluations`, `app` (the paths).
"""

import argparse
from dataclasses import replace

from services.vendorsim.aispace.app import create_app
from services.vendorsim.aispace.config import DEFAULT_AK, DEFAULT_SK, AISpaceSimConfig

DEFAULT_PORT = 18004  # where the adapter's default endpoint looks
FAST_ARGS = ["--pending-s", "0.5", "--debug-ready-s", "0.5"]  # short phases, for the end-to-end tests

__all__ = [
    "DEFAULT_AK",
    "DEFAULT_PORT",
    "DEFAULT_SK",
    "FAST_ARGS",
    "AISpaceSimConfig",
    "add_cli_arguments",
    "banner",
    "config_from_cli",
    "create_app",
]


def add_cli_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = AISpaceSimConfig()
    parser.add_argument("--ak", default=defaults.ak, help="access key the signatures must use")
    parser.add_argument("--sk", default=defaults.sk, help="secret key")
    parser.add_argument("--auth", choices=("signature", "header", "off"), default=defaults.auth)
    parser.add_argument("--region", default=defaults.region, help="the x-regionid / requestInfo to accept")
    parser.add_argument("--project-id", type=int, default=defaults.project_id, help="id of the default project")
    parser.add_argument("--pending-s", type=float, default=defaults.pending_s)
    parser.add_argument("--run-s", type=float, default=defaults.run_s, help="default task run time")
    parser.add_argument("--debug-ready-s", type=float, default=defaults.debug_ready_s)
    parser.add_argument(
        "--amount-unit-s", type=float, default=defaults.amount_unit_s, help="node-seconds per unit of package amount"
    )
    parser.add_argument("--fault-seed", type=int, default=defaults.fault_seed)


def config_from_cli(args: argparse.Namespace) -> AISpaceSimConfig:
    return replace(
        AISpaceSimConfig(),
        ak=args.ak,
        sk=args.sk,
        auth=args.auth,
        region=args.region,
        project_id=args.project_id,
        pending_s=args.pending_s,
        run_s=args.run_s,
        debug_ready_s=args.debug_ready_s,
        amount_unit_s=args.amount_unit_s,
        fault_seed=args.fault_seed,
    )


def banner(config: AISpaceSimConfig) -> str:
    return (
        f"AI Space simulator: ak={config.ak} sk={config.sk} auth={config.auth} region={config.region} "
        f"project_id={config.project_id}"
    )
