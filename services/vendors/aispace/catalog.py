"""Resource packages: what AI Space sells instead of a flavour catalogue, the flavors they become, and the spec
strings (`specGpu`, `specMemory`, `specCPU`) they are sized in.

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

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from contracts.jobs import JobKind
from services.vendors.aispace.settings import VENDOR
from services.vendors.aispace.times import parse_time
from services.vendors.base import VendorFlavor

_GPU_SPEC = re.compile(r"^\s*(\d+)\s*(?:\(\s*([^)]*?)\s*\))?\s*$")
_MEMORY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B?)?\s*$", re.IGNORECASE)
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
    and without the prepaid mark, and both come back if the package is topped up. One node: the training job's
    create (11.2) has no `workers` field [DOC], so a job on more nodes is not placed here."""
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


# Accelerator models as AI Space writes them in `specGpu` ("2(H800)") -> normalized class.
_GPU_MODELS: dict[str, str] = {
    "h800": "nvidia-h800",
    "h100": "nvidia-h100",
    "h20": "nvidia-h20",
    "a800": "nvidia-a800",
    "a100": "nvidia-a100",
    "a10": "nvidia-a10",
    "v100": "nvidia-v100",
    "t4": "nvidia-t4",
    "l20": "nvidia-l20",
    "l40s": "nvidia-l40s",
    "910b": "ascend-910b",
    "ascend910b": "ascend-910b",
    "ascend-910b": "ascend-910b",
    "mlu370": "mlu370",
    "mlu590": "mlu590",
}


def parse_gpu_spec(spec: object) -> tuple[str, int]:
    """`specGpu` / `resource_gpu` -> (accelerator class, count): "2(H800)" -> ("nvidia-h800", 2), "0" -> ("cpu", 0).

    A count without a model ("1", as in the evaluation example) or an unknown model keeps a recognisable class
    ("gpu-unknown", "gpu-<model>") rather than being forced into a known one.
    """
    match = _GPU_SPEC.match(str(spec if spec is not None else "0") or "0")
    if match is None:
        raise ValueError(f"not a GPU spec: {spec!r}")
    count, model = int(match[1]), (match[2] or "").strip().lower()
    if count == 0:
        return "cpu", 0
    if not model:
        return "gpu-unknown", count
    slug = re.sub(r"[^a-z0-9]+", "-", model).strip("-")
    return _GPU_MODELS.get(model, _GPU_MODELS.get(slug, f"gpu-{slug}")), count


def parse_memory_gb(value: object) -> int:
    """ "100", "100G", "4G", "1024", "512Mi" -> whole GB (bare numbers are GB)."""
    match = _MEMORY.match(str(value if value is not None else ""))
    if match is None:
        raise ValueError(f"not a memory size: {value!r}")
    number, unit = float(match[1]), match[2].upper()
    scale = {"K": 1 / 1024**2, "M": 1 / 1024, "G": 1, "T": 1024, "": 1}[unit]
    return int(number * scale)


def parse_cpu(value: object) -> int:
    """ "16" -> 16 cores; fractional cores are rounded down."""
    try:
        return int(float(str(value).strip()))
    except ValueError:
        raise ValueError(f"not a CPU count: {value!r}") from None


def _int(value: Any) -> int:
    try:
        return int(float(str(value)))
    except (TypeError, ValueError):
        return 0
