"""The simulated platform's logic compute groups and resource specs, with their prices.

Shapes follow the document's models: `node.CpuInfo`, `node.GpuInfo`,
`resource_price.InstanceSpecPriceInfo` and `LcgResourceSpecPriceConfirmationReq`. Prices are
per instance (node) and hour; [INFER] `total_price_per_hour` = cpu × cpu_price + gpu × gpu_price +
GiB × memory_price, which reproduces the digest's 117.0 for 8 × H100.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class LogicComputeGroup:
    lcg_id: str
    name: str


@dataclass(frozen=True)
class Gpu:
    product: str  # gpu_product_simple, e.g. "H100"
    gpu_type: str  # e.g. "NVIDIA_H100_SXM_80G"
    display: str
    memory_gb: int
    price: Decimal  # per card-hour
    price_id: str
    price_version_id: int

    def info(self) -> dict[str, Any]:
        """node.GpuInfo; its `price` is a string in the document."""
        return {
            "brand": "NVIDIA",
            "brand_name": "英伟达",
            "gpu_memory_size_gb": self.memory_gb,
            "gpu_product_simple": self.product,
            "gpu_type": self.gpu_type,
            "gpu_type_display": self.display,
            "price": str(self.price),
        }


CPU_PRICE = Decimal("0.05")  # per core-hour
MEMORY_PRICE = Decimal("0.01")  # per GiB-hour
CPU_INFO = {"brand": "Intel", "cpu_product_simple": "Xeon 6330", "cpu_type": "Intel_Xeon_6330"}


@dataclass(frozen=True)
class SimSpec:
    spec_id: str  # request `spec_id` == response `predef_id` == `quota_id`
    name: str
    lcg: LogicComputeGroup
    cpu: int
    mem_gi: int
    gpu_count: int
    gpu: Gpu

    @property
    def price_per_hour(self) -> Decimal:
        return self.cpu * CPU_PRICE + self.gpu_count * self.gpu.price + self.mem_gi * MEMORY_PRICE

    def price_info(self) -> dict[str, Any]:
        """resource_price.InstanceSpecPriceInfo (numbers as JSON numbers, as the document types them)."""
        return {
            "cpu_count": self.cpu,
            "cpu_info": dict(CPU_INFO),
            "cpu_price": float(CPU_PRICE),
            "cpu_price_id": "p-cpu-1",
            "cpu_price_version_id": 3,
            "gpu_count": self.gpu_count,
            "gpu_info": self.gpu.info(),
            "gpu_price": float(self.gpu.price),
            "gpu_price_id": self.gpu.price_id,
            "gpu_price_version_id": self.gpu.price_version_id,
            "memory_price": float(MEMORY_PRICE),
            "memory_price_id": "p-mem-1",
            "memory_price_version_id": 2,
            "memory_size_gib": self.mem_gi,
            "quota_id": self.spec_id,
            # The float of a short decimal prints back as that decimal ("14.6"), so a client that
            # reads JSON numbers as decimals gets the exact price.
            "total_price_per_hour": float(self.price_per_hour),
        }

    def spec_price(self) -> dict[str, Any]:
        """resource_price.LcgResourceSpecPriceConfirmationReq: the price-confirmation key."""
        return {
            "cpu_count": self.cpu,
            "cpu_type": CPU_INFO["cpu_type"],
            "gpu_count": self.gpu_count,
            "gpu_type": self.gpu.gpu_type,
            "logic_compute_group_id": self.lcg.lcg_id,
            "memory_size_gib": self.mem_gi,
            "quota_id": self.spec_id,
        }

    def list_item(self) -> dict[str, Any]:
        """One entry of `/openapi/v1/specs/list` `data.specs` ([EXT] endpoint, [INFER] entry shape:
        the spec id and its group beside the document's InstanceSpecPriceInfo)."""
        return {
            "spec_id": self.spec_id,
            "name": self.name,
            "logic_compute_group_id": self.lcg.lcg_id,
            "logic_compute_group_name": self.lcg.name,
            "cpu_count": self.cpu,
            "gpu_count": self.gpu_count,
            "memory_size_gib": self.mem_gi,
            "instance_spec_price_info": self.price_info(),
        }


H100_ROOM = LogicComputeGroup("lcg-303ac8c6-aa19-4284-af03-2296592326e5", "H100 1号机房")
A100_ROOM = LogicComputeGroup("lcg-7c41d2e0-5f3b-4a8e-9b6d-0e2f4a1c3b5d", "A100 2号机房")
LOGIC_COMPUTE_GROUPS = (H100_ROOM, A100_ROOM)

_H100 = Gpu("H100", "NVIDIA_H100_SXM_80G", "NVIDIA H100 (80G)", 80, Decimal("12.0"), "p-gpu-h100", 5)
_A100 = Gpu("A100", "NVIDIA_A100_SXM_80G", "NVIDIA A100 (80G)", 80, Decimal("8.5"), "p-gpu-a100", 4)

# fmt: off
SPECS: tuple[SimSpec, ...] = (
    SimSpec("4dd0e854-e2a4-4c3a-9f1e-1a2b3c4d5e6f", "H100 8卡", H100_ROOM, 100, 1600, 8, _H100),  # 117.0 / h
    SimSpec("6b1f9c2a-3d4e-4f50-8a6b-7c8d9e0f1a2b", "H100 1卡", H100_ROOM, 12, 200, 1, _H100),  # 14.6 / h
    SimSpec("8e2d7b4c-1a3f-4c6e-9d0b-2f4a6c8e0b1d", "A100 8卡", A100_ROOM, 100, 1600, 8, _A100),  # 89.0 / h
    SimSpec("a3c5e7f9-0b2d-4f6a-8c1e-3a5c7e9f1b3d", "A100 1卡", A100_ROOM, 12, 200, 1, _A100),  # 11.1 / h
)
# fmt: on
