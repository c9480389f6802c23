"""Cambricon CAIP "Compute Server" simulator: flavors priced in credits, training volumes, batch
training jobs and their sub-jobs, as the public API reference (`shared/seeds/000_*.txt`) documents
them, plus the [EXT] Keystone-style login in front of them.

`python -m services.vendorsim caip --port P --username U --password PW --namespace NS`
"""

import argparse

from services.vendorsim.caip.app import API_PREFIX, LOGIN_PATH, create_app
from services.vendorsim.caip.config import DEFAULT_NAMESPACE, CaipSimConfig
from services.vendorsim.caip.flavors import default_catalog, default_flavor_id

VENDOR = "caip"
DEFAULT_PORT = 18002  # where the adapter's default endpoint looks
FAST_ARGS = ["--pending-s", "0.5", "--aborting-s", "0.5", "--terminating-s", "0.5"]  # for the end-to-end tests


def add_cli_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = CaipSimConfig()
    parser.add_argument("--username", default=defaults.username)
    parser.add_argument("--password", default=defaults.password)
    parser.add_argument("--namespace", default=defaults.namespace, help="the project id the user may use")
    parser.add_argument("--token-ttl-s", type=float, default=defaults.token_ttl_s)
    parser.add_argument("--pending-s", type=float, default=defaults.pending_s)
    parser.add_argument("--run-s", type=float, default=defaults.run_s, help="default run duration")
    parser.add_argument("--aborting-s", type=float, default=defaults.aborting_s)
    parser.add_argument("--terminating-s", type=float, default=defaults.terminating_s)
    parser.add_argument("--volume-ready-s", type=float, default=defaults.volume_ready_s)
    parser.add_argument("--flavor-replicas", type=int, default=defaults.flavor_replicas,
                        help="totalReplicas of every built-in flavor (default: the catalog's own)")
    parser.add_argument("--new-flavor-replicas", type=int, default=defaults.new_flavor_replicas)
    parser.add_argument("--offset-mode", choices=("item", "page"), default=defaults.offset_mode)
    parser.add_argument("--default-limit", type=int, default=defaults.default_limit)
    parser.add_argument("--unique-names", action=argparse.BooleanOptionalAction, default=defaults.unique_names)
    parser.add_argument("--show-nodes", action=argparse.BooleanOptionalAction, default=defaults.show_nodes)
    parser.add_argument("--fault-seed", type=int, default=defaults.fault_seed)


def config_from_cli(args: argparse.Namespace) -> CaipSimConfig:
    return CaipSimConfig(
        username=args.username,
        password=args.password,
        namespace=args.namespace,
        token_ttl_s=args.token_ttl_s,
        pending_s=args.pending_s,
        run_s=args.run_s,
        aborting_s=args.aborting_s,
        terminating_s=args.terminating_s,
        volume_ready_s=args.volume_ready_s,
        flavor_replicas=args.flavor_replicas,
        new_flavor_replicas=args.new_flavor_replicas,
        offset_mode=args.offset_mode,
        default_limit=args.default_limit,
        unique_names=args.unique_names,
        show_nodes=args.show_nodes,
        fault_seed=args.fault_seed,
    )


def banner(config: CaipSimConfig) -> str:
    return (
        f"CAIP simulator: username={config.username} password={config.password} namespace={config.namespace} "
        f"login=POST {LOGIN_PATH} api=/v2 and {API_PREFIX}/v2"
    )


__all__ = [
    "API_PREFIX",
    "CaipSimConfig",
    "DEFAULT_NAMESPACE",
    "DEFAULT_PORT",
    "FAST_ARGS",
    "LOGIN_PATH",
    "VENDOR",
    "add_cli_arguments",
    "banner",
    "config_from_cli",
    "create_app",
    "default_catalog",
    "default_flavor_id",
]
