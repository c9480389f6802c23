"""The CAIP simulator's settings (each one a command-line option)."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from services.vendorsim.options import command_line, fixed, option

# A Keystone project id, as namespaces are ([EXT]); the one in the digest's examples.
DEFAULT_NAMESPACE = "f1a8a60e5878450c9c40fa57161466aa"


@dataclass(frozen=True)
class CaipSimConfig:
    username: str = option("sim-user", "the one user that may log in")
    password: str = option("sim-password", "that user's password")
    namespace: str = option(DEFAULT_NAMESPACE, "the project id the user may use")
    # [EXT] public clients assume a 12 h token and log in again on 401.
    token_ttl_s: float = option(12 * 3600.0, "lifetime of a login token")
    pending_s: float = option(1.0, "a sub-job is Pending at least this long, even with room for it")
    run_s: float = option(5.0, "default run duration of a sub-job (without steering)")
    aborting_s: float = option(1.0, "pods terminating after a stop (Aborting), then Aborted")
    terminating_s: float = option(1.0, "pods terminating after a delete (Terminating), then gone")
    volume_ready_s: float = option(0.5, "a new volume is Pending/Creating this long, then Bound/Succeeded")
    flavor_replicas: int | None = option(None, "totalReplicas of every built-in flavor (None: the catalog's own)")
    new_flavor_replicas: int = option(8, "totalReplicas of flavors created by POST")
    # The doc calls `offset` "the start page"; [EXT] clients send an item offset. Both are served.
    offset_mode: Literal["item", "page"] = option("item", "what a list's `offset` counts")
    # [EXT] clients send limit=0 for "everything".
    default_limit: int = option(20, "[INFER] a list's `limit` when absent")
    unique_names: bool = option(True, "[INFER] metadata.name is unique per namespace and resource kind (409 on a "
                                      "duplicate)")
    show_nodes: bool = option(True, "the `ShowNodes` feature switch that `withNode=true` needs")
    fault_seed: int = option(0, "seed of the fault-injection draws")
    clock: Callable[[], float] = fixed(time.time)


add_cli_arguments, config_from_cli = command_line(CaipSimConfig)
