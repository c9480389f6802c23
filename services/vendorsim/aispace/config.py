"""The simulator's settings (each one a command-line option but the starting packages), its spec catalogue, and
the packages an account starts with."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from services.vendorsim.options import command_line, fixed, option

DEFAULT_AK = "AISPACESIMAK00000001"
DEFAULT_SK = "aispace-sim-secret-key-0000000000000001"

ResourceType = Literal["compute", "storage", "exclusive"]


@dataclass(frozen=True)
class Spec:
    """A spec code the platform sells (数值 as the package shows them: strings like "2(H800)")."""

    code: str
    name: str
    resource_type: ResourceType
    cpu: int = 0
    gpu_count: int = 0
    gpu_model: str = ""
    memory_gb: int = 0

    @property
    def gpu_text(self) -> str:
        """`specGpu`: "N(MODEL)", or "0" without accelerators."""
        return f"{self.gpu_count}({self.gpu_model})" if self.gpu_count else "0"


# The spec codes the document shows. Their sizes come from its examples where it gives them (standardCpu 2c4g,
# calculate 16c/1(H800)/100G on the notebook example, calculate2H80050c 50c/2(H800)/200G, standard 2c/1/4G,
# standardPlus 2c/1/8G); the accelerator model of the two small GPU specs is not given: T4 is assumed.
SPECS: dict[str, Spec] = {
    spec.code: spec
    for spec in (
        Spec("standardCpu", "通用型 CPU 无 GPU(2c4g)|standardCpu", "compute", 2, 0, "", 4),
        Spec("standard", "通用型 GPU(2c4g 1*T4)|standard", "compute", 2, 1, "T4", 4),
        Spec("standardPlus", "通用型 GPU(2c8g 1*T4)|standardPlus", "compute", 2, 1, "T4", 8),
        Spec("calculate", "计算型 GPU(16c100g 1*H800)|calculate", "compute", 16, 1, "H800", 100),
        Spec("calculate2H80050c", "计算型 GPU(50c200g 2*H800)|calculate2H80050c", "compute", 50, 2, "H800", 200),
        Spec("aispace.gpfs11", "并行文件存储|aispace.gpfs11", "storage"),
        Spec("spec", "专属资源池(128c1024g 8*H800)|spec", "exclusive", 128, 8, "H800", 1024),
    )
}


@dataclass(frozen=True)
class StartingPackage:
    """A compute package bought before the simulator starts, bound to the default project.

    It runs up to `nodes` nodes of its spec at once; `node_hours` is its `totalAmount` and `price_fen` what was paid
    for it (`perPrice`), so its hourly unit price per node is price_fen / node_hours fen.
    """

    spec_code: str
    name: str
    nodes: int
    node_hours: int
    price_fen: int


# Hourly: calculate 30.00 CNY, calculate2H80050c 58.00 CNY, standardCpu 4.50 CNY.
DEFAULT_PACKAGES: tuple[StartingPackage, ...] = (
    StartingPackage("calculate", "switchyard-h800x1", 2, 2000, 6_000_000),
    StartingPackage("calculate2H80050c", "switchyard-h800x2", 1, 1000, 5_800_000),
    StartingPackage("standardCpu", "switchyard-cpu", 4, 4000, 1_800_000),
)


@dataclass(frozen=True)
class AISpaceSimConfig:
    ak: str = option(DEFAULT_AK, "access key the signatures must use")
    sk: str = option(DEFAULT_SK, "secret key")
    # [INFER] The signature scheme lives in CECloud's 《公共部分 OpenAPI 参考》, which is not part of the document.
    auth: Literal["signature", "header", "off"] = option(
        "signature", "signature: an SDK-HMAC-SHA256 (APIG-style) signature made with the AK/SK; header: any non-empty "
                     "Authorization header, as the digest suggests; off: nothing is checked")
    max_clock_skew_s: float = option(900.0, "largest accepted X-Sdk-Date offset")
    region: str = option("region1", "the x-regionid / requestInfo to accept")
    az: str = option("AZ1", "availability zone the account's resources are in")
    tenant_id: str = option("1841781662849977753", "the account's tenant id")
    tenant_name: str = option("switchyard", "the account's tenant name")
    department_id: str = option("1841781662849977754", "the account's department id")
    user_name: str = option("user@admin", "the account's user")
    project_id: int = option(36, "id of the default project space, which the starting packages are bound to")
    project_name: str = option("switchyard", "name of the default project space")
    packages: tuple[StartingPackage, ...] = fixed(DEFAULT_PACKAGES)
    pending_s: float = option(1.0, "Argo workflow / pod Pending before a started workload runs")
    run_s: float = option(5.0, "default task run time (without steering)")
    debug_ready_s: float = option(1.0, "an online service's debug resources take this long (调试中 after it)")
    # [INFER] `totalAmount` counts node-hours of the package's spec (ratingVal hours x `amount` nodes); a run uses
    # ceil(node-seconds / amount_unit_s) of it, at least one unit once it started.
    amount_unit_s: float = option(3600.0, "node-seconds per unit of package amount")
    # Where notebooks' pages and services' addresses point (they must be reachable by whoever opens them);
    # `python -m services.vendorsim` sets http://127.0.0.1:<port>, an app built without it answers on the base
    # URL of each request.
    public_url: str | None = option(None, "public base URL of this simulator (default http://127.0.0.1:<port>)")
    fault_seed: int = option(0, "seed of the fault-injection draws")
    clock: Callable[[], float] = fixed(time.time)


add_cli_arguments, config_from_cli = command_line(AISpaceSimConfig)
