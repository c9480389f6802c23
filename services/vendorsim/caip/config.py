"""The CAIP simulator's settings (all of them reachable from the command line)."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

# A Keystone project id, as namespaces are ([EXT]); the one in the digest's examples.
DEFAULT_NAMESPACE = "f1a8a60e5878450c9c40fa57161466aa"


@dataclass(frozen=True)
class CaipSimConfig:
    username: str = "sim-user"
    password: str = "sim-password"
    namespace: str = DEFAULT_NAMESPACE  # the one project this user may use
    # [EXT] public clients assume a 12 h token and log in again on 401.
    token_ttl_s: float = 12 * 3600.0
    pending_s: float = 1.0  # a sub-job is Pending at least this long, even with room for it
    run_s: float = 5.0  # run time of a sub-job without steering
    aborting_s: float = 1.0  # pods terminating after a stop (Aborting), then Aborted
    terminating_s: float = 1.0  # pods terminating after a delete (Terminating), then gone
    volume_ready_s: float = 0.5  # a new volume is Pending/Creating this long, then Bound/Succeeded
    # totalReplicas of every built-in flavor (None: the catalog's own), and of flavors created by POST.
    flavor_replicas: int | None = None
    new_flavor_replicas: int = 8
    # The doc calls `offset` "the start page"; [EXT] clients send an item offset. Both are served.
    offset_mode: Literal["item", "page"] = "item"
    # [INFER] `limit` when absent; [EXT] clients send limit=0 for "everything".
    default_limit: int = 20
    # [INFER] metadata.name is unique per namespace and resource kind (409 on a duplicate).
    unique_names: bool = True
    show_nodes: bool = True  # the `ShowNodes` feature switch that `withNode=true` needs
    fault_seed: int = 0
    clock: Callable[[], float] = time.time
