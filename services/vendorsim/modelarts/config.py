"""The simulator's settings, its command-line options and its start-up banner."""

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

DEFAULT_PORT = 18001  # where the adapter's default endpoint looks
DEFAULT_PROJECT_ID = "0b2f5e7c9d1a4e3f8a6b5c4d3e2f1a0b"
# A dev AK/SK pair in Huawei's shapes (20-character AK, 40-character SK); printed at start.
DEFAULT_AK = "SYSIMMODELARTSDEVAK1"
DEFAULT_SK = "sySimModelArtsDevSecretKey0000DoNotShare"

# Short phases and a compressed lease clock, for the end-to-end tests.
FAST_ARGS = [
    "--creating-s", "0.5", "--pending-s", "0.5",
    "--notebook-start-s", "0.5", "--service-deploy-s", "0.5", "--terminating-s", "0.5",
    "--lease-scale", "0.05",
]


@dataclass(frozen=True)
class ModelArtsSimConfig:
    # IAM user (token auth) and access key (AK/SK auth); both belong to one project.
    username: str = "sim-user"
    password: str = "sim-password"
    domain: str = "sim-domain"
    project_id: str = DEFAULT_PROJECT_ID
    project_name: str = "cn-north-4"
    ak: str = DEFAULT_AK
    sk: str = DEFAULT_SK
    token_ttl_s: float = 86400.0  # IAM tokens live 24 h
    # [EXT] Huawei's API gateway refuses an X-Sdk-Date more than 15 minutes off its clock.
    signature_skew_s: float = 900.0
    # training jobs
    creating_s: float = 1.0  # training Creating; an inference service's `pending`
    pending_s: float = 1.0  # training Pending before a slot can be taken
    run_s: float = 5.0  # run time of a training job without steering
    terminating_s: float = 1.0  # every stop and delete: Terminating, STOPPING, DELETING, stopping, deleting
    # notebooks
    notebook_init_s: float = 0.0  # INIT after create (0: the create answer shows CREATING, as the doc's example)
    notebook_start_s: float = 1.0  # CREATING / STARTING until RUNNING, when a slot is free
    default_lease_s: float = 3600.0  # [DOC] a notebook created without a duration stops after 1 h
    # [INFER] the doc's 6349 ("The value ranges from {} to {}") names a range but not its bounds.
    min_lease_s: float = 60.0
    max_lease_s: float = 72 * 3600.0
    # Simulated seconds per second of lease and service auto-stop time: 0.05 makes a 60 s lease last 3 s.
    lease_scale: float = 1.0
    # inference services
    service_deploy_s: float = 1.0  # `deploying` until `running`, once the instances have slots
    capacity: int = 4  # slots (nodes, notebooks, service instances) per flavor
    # The doc defines the training search `offset` as a page index; the live API may use records.
    search_offset_mode: Literal["page", "record"] = "page"
    fault_seed: int = 0
    clock: Callable[[], float] = time.time


def add_cli_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = ModelArtsSimConfig()
    parser.add_argument("--username", default=defaults.username)
    parser.add_argument("--password", default=defaults.password)
    parser.add_argument("--domain", default=defaults.domain)
    parser.add_argument("--project-id", default=defaults.project_id)
    parser.add_argument("--project-name", default=defaults.project_name)
    parser.add_argument("--ak", default=defaults.ak, help="access key of the AK/SK pair")
    parser.add_argument("--sk", default=defaults.sk, help="secret key of the AK/SK pair")
    parser.add_argument("--token-ttl-s", type=float, default=defaults.token_ttl_s)
    parser.add_argument("--signature-skew-s", type=float, default=defaults.signature_skew_s,
                        help="largest accepted X-Sdk-Date offset")
    parser.add_argument("--creating-s", type=float, default=defaults.creating_s)
    parser.add_argument("--pending-s", type=float, default=defaults.pending_s)
    parser.add_argument("--run-s", type=float, default=defaults.run_s, help="default training run duration")
    parser.add_argument("--terminating-s", type=float, default=defaults.terminating_s,
                        help="how long every stop and delete takes")
    parser.add_argument("--notebook-init-s", type=float, default=defaults.notebook_init_s)
    parser.add_argument("--notebook-start-s", type=float, default=defaults.notebook_start_s)
    parser.add_argument("--default-lease-s", type=float, default=defaults.default_lease_s)
    parser.add_argument("--min-lease-s", type=float, default=defaults.min_lease_s)
    parser.add_argument("--max-lease-s", type=float, default=defaults.max_lease_s)
    parser.add_argument("--lease-scale", type=float, default=defaults.lease_scale,
                        help="wall seconds per leased second (notebook leases, service auto-stop)")
    parser.add_argument("--service-deploy-s", type=float, default=defaults.service_deploy_s)
    parser.add_argument("--capacity", type=int, default=defaults.capacity, help="slots per flavor")
    parser.add_argument("--search-offset-mode", choices=("page", "record"), default=defaults.search_offset_mode)
    parser.add_argument("--fault-seed", type=int, default=defaults.fault_seed)


def config_from_cli(args: argparse.Namespace) -> ModelArtsSimConfig:
    return ModelArtsSimConfig(
        username=args.username,
        password=args.password,
        domain=args.domain,
        project_id=args.project_id,
        project_name=args.project_name,
        ak=args.ak,
        sk=args.sk,
        token_ttl_s=args.token_ttl_s,
        signature_skew_s=args.signature_skew_s,
        creating_s=args.creating_s,
        pending_s=args.pending_s,
        run_s=args.run_s,
        terminating_s=args.terminating_s,
        notebook_init_s=args.notebook_init_s,
        notebook_start_s=args.notebook_start_s,
        default_lease_s=args.default_lease_s,
        min_lease_s=args.min_lease_s,
        max_lease_s=args.max_lease_s,
        lease_scale=args.lease_scale,
        service_deploy_s=args.service_deploy_s,
        capacity=args.capacity,
        search_offset_mode=args.search_offset_mode,
        fault_seed=args.fault_seed,
    )


def banner(config: ModelArtsSimConfig) -> str:
    return (
        f"ModelArts simulator: IAM user {config.username} password={config.password} domain={config.domain}; "
        f"AK/SK {config.ak} / {config.sk}; project_id={config.project_id} project_name={config.project_name}"
    )
