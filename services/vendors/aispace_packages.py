"""Resource packages: what AI Space sells instead of a flavour catalogue, and the flavors they become.

A workload runs against a purchased package (`resourceId` "AIDP-..."), and takes its spec (`specCPU`, `specGpu`
"2(H800)", `specMemory`). So a Switchyard flavor is a package: flavor id = resource id. The package was paid for up
front (`perPrice`, fen) for `totalAmount` units, [INFER] node-hours of its spec (a ByHours package; the simulator
counts them so); `restAmount` of them remain. Its effective hourly price per node is therefore
perPrice / totalAmount fen.

For the placement and billing work that comes next: `ResourcePackage.remaining_amount` (and `paid_fen`,
`price_per_hour`, `end_at`) say how much already-paid capacity is left: a job placed on it costs the tenant's account
nothing more at the vendor until it runs out. `Adapter.packages()` returns them, and each flavor names its package
in `VendorFlavor.prepaid_package` while the package has amount left.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from contracts.jobs import JobKind
from services.vendors.aispace_status import parse_cpu, parse_gpu_spec, parse_memory_gb
from services.vendors.aispace_times import parse_time
from services.vendors.base import VendorFlavor

VENDOR = "aispace"
MICROS_PER_FEN = 10_000  # 1 fen = 0.01 CNY = 10,000 micro-units
NORMAL = 1  # resourceState 1 = 正常 (normal), the only documented value


@dataclass(frozen=True)
class ResourcePackage:
    resource_id: str
    name: str
    spec_code: str
    resource_type: str  # "compute" (public pool), "exclusive" (dedicated pool), "storage"
    spec_gpu: str  # specGpu as AI Space writes it: "2(H800)", "0"
    accelerator: str  # normalized class from specGpu
    count: int  # accelerators per node
    cpu: int
    memory_gb: int
    paid_fen: int  # perPrice: what the package cost
    total_amount: int  # node-hours bought [INFER]
    used_amount: int
    remaining_amount: int  # restAmount: paid node-hours still unused
    price_per_hour: int  # effective price of one node-hour, micro-units of CNY
    end_at: datetime | None  # endTime, UTC
    state: int  # resourceState
    project: str  # the project (space) it is bound to, by name

    def usable(self, project: str, now: datetime) -> bool:
        """A package the adapter may place on: normal, not expired, bound to our project."""
        in_time = self.end_at is None or now < self.end_at
        return self.state == NORMAL and in_time and self.project == project


def hourly_price_micros(per_price_fen: int, total_amount: int) -> int:
    """perPrice / totalAmount fen per node-hour, in micro-units of CNY, rounded half up to a micro-unit."""
    if total_amount <= 0:
        raise ValueError("a package without amount has no unit price")
    return int((Decimal(per_price_fen * MICROS_PER_FEN) / total_amount).to_integral_value(rounding=ROUND_HALF_UP))


def parse_package(item: dict[str, Any]) -> ResourcePackage:
    """A list item or detail of 4.3/4.4 (the strings and numbers as the document types them, leniently)."""
    spec_gpu = str(item.get("specGpu") or "0")
    accelerator, count = parse_gpu_spec(spec_gpu)
    total = _int(item.get("totalAmount"))
    used = _int(item.get("usedAmount"))
    rest = item.get("restAmount")
    return ResourcePackage(
        resource_id=str(item.get("resourceId") or ""),
        name=str(item.get("name") or ""),
        spec_code=str(item.get("specCode") or ""),
        resource_type=str(item.get("resourceType") or ""),
        spec_gpu=spec_gpu,
        accelerator=accelerator,
        count=count,
        cpu=parse_cpu(item.get("specCPU") or 0),
        memory_gb=parse_memory_gb(item.get("specMemory") or 0),
        paid_fen=_int(item.get("perPrice")),
        total_amount=total,
        used_amount=used,
        remaining_amount=_int(rest) if rest not in (None, "") else max(0, total - used),
        price_per_hour=hourly_price_micros(_int(item.get("perPrice")), total) if total > 0 else 0,
        end_at=parse_time(item.get("endTime")),
        state=_int(item.get("resourceState")),
        project=str(item.get("project") or item.get("projectName") or ""),
    )


def to_flavor(package: ResourcePackage, kind: JobKind) -> VendorFlavor:
    """The package as a flavor, marked prepaid by its resource id. AI Space has no pay-per-use mode (a workload
    always consumes a purchased package), so a package with no amount left can run nothing: it is listed sold out
    and without the prepaid mark, and both come back if the package is topped up."""
    left = package.remaining_amount > 0
    return VendorFlavor(
        vendor=VENDOR,
        flavor_id=package.resource_id,
        accelerator=package.accelerator,
        count=package.count,
        cpu=package.cpu,
        memory_gb=package.memory_gb,
        price_per_hour=package.price_per_hour,
        available=left,
        kind=kind,
        prepaid_package=package.resource_id if left else None,
    )


def _int(value: Any) -> int:
    try:
        return int(float(str(value)))
    except (TypeError, ValueError):
        return 0
