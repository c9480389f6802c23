"""The simulator's settings (each one a command-line option) and its start-up banner."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from services.vendorsim.options import command_line, fixed, option

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
    username: str = option("sim-user", "IAM user name (token auth)")
    password: str = option("sim-password", "IAM user password")
    domain: str = option("sim-domain", "IAM domain of the user")
    project_id: str = option(DEFAULT_PROJECT_ID, "the one project of the user and the access key")
    project_name: str = option("cn-north-4", "name (region) of that project")
    ak: str = option(DEFAULT_AK, "access key of the AK/SK pair")
    sk: str = option(DEFAULT_SK, "secret key of the AK/SK pair")
    token_ttl_s: float = option(86400.0, "lifetime of IAM tokens (24 h)")
    # [EXT] Huawei's API gateway refuses an X-Sdk-Date more than 15 minutes off its clock.
    signature_skew_s: float = option(900.0, "largest accepted X-Sdk-Date offset")
    # training jobs
    creating_s: float = option(1.0, "training Creating; an inference service's `pending`")
    pending_s: float = option(1.0, "training Pending before a slot can be taken")
    run_s: float = option(5.0, "default training run duration (without steering)")
    log_preview_cap_bytes: int = option(5 * 1024 * 1024, "[DOC] a log preview answers at most the latest 5 MB")
    terminating_s: float = option(1.0, "how long every stop and delete takes (Terminating, STOPPING, DELETING, ...)")
    # notebooks
    notebook_init_s: float = option(0.0, "INIT after create (0: the create answer shows CREATING, as the doc's example)")
    notebook_start_s: float = option(1.0, "CREATING / STARTING until RUNNING, when a slot is free")
    default_lease_s: float = option(3600.0, "[DOC] a notebook created without a duration stops after 1 h")
    # [INFER] the doc's 6349 ("The value ranges from {} to {}") names a range but not its bounds.
    min_lease_s: float = option(60.0, "shortest notebook lease accepted")
    max_lease_s: float = option(72 * 3600.0, "longest notebook lease accepted")
    lease_scale: float = option(1.0, "wall seconds per leased second (notebook leases, service auto-stop): 0.05 makes "
                                     "a 60 s lease last 3 s")
    # inference services
    service_deploy_s: float = option(1.0, "`deploying` until `running`, once the instances have slots")
    capacity: int = option(4, "slots (nodes, notebooks, service instances) per flavor")
    # The doc defines the training search `offset` as a page index; the live API may use records.
    search_offset_mode: Literal["page", "record"] = option("page", "what the training search's `offset` counts")
    # Where notebooks' `url` and services' `access_address` point (services.vendorsim.public_url).
    public_url: str | None = option(None, "public base URL of this simulator (default http://127.0.0.1:<port>)")
    fault_seed: int = option(0, "seed of the fault-injection draws")
    clock: Callable[[], float] = fixed(time.time)


add_cli_arguments, config_from_cli = command_line(ModelArtsSimConfig)


def banner(config: ModelArtsSimConfig) -> str:
    return (
        f"ModelArts simulator: IAM user {config.username} password={config.password} domain={config.domain}; "
        f"AK/SK {config.ak} / {config.sk}; project_id={config.project_id} project_name={config.project_name}"
    )
