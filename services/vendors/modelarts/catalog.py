"""ModelArts flavors in Switchyard's terms: the three flavor lists (training, notebook, inference), their
accelerator products as normalized classes, and the configured list prices as integer micro-units."""

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from services.vendors.base import VendorFlavor
from services.vendors.modelarts.settings import VENDOR
from services.vendors.modelarts.wire import as_int


def parse_training_flavor(item: dict[str, Any], price: Decimal) -> VendorFlavor:
    """FlavorResponse (表 6-475)."""
    info = item.get("flavor_info") or {}
    accelerator_info = info.get("gpu") or info.get("npu") or {}
    return VendorFlavor(
        vendor=VENDOR,
        flavor_id=str(item.get("flavor_id")),
        accelerator=normalize_accelerator(item.get("flavor_type"), accelerator_info.get("product_name")),
        count=as_int(accelerator_info.get("unit_num")),  # npu.unit_num is a String
        cpu=as_int((info.get("cpu") or {}).get("core_num")),
        memory_gb=_memory_gb(info.get("memory") or {}),
        price_per_hour=micro_units(price),
        # The training flavor list has no sold-out flag; sold-out shows up only on submit.
        available=True,
        # [DOC] max_num: the most nodes of this flavor one job may take (1 = no distributed training).
        max_nodes=max(1, as_int(info.get("max_num") or item.get("max_num") or 1)),
        kind="training",
    )


def is_billed_notebook_flavor(item: dict[str, Any]) -> bool:
    """CodeLab flavors (free, feature DEFAULT, one per user) are not for hire."""
    return not item.get("free") and str(item.get("feature") or "NOTEBOOK").upper() == "NOTEBOOK"


def parse_notebook_flavor(item: dict[str, Any], price: Decimal) -> VendorFlavor:
    """NotebookFlavor (表 5-83); `memory` is in KiB [INFER from the doc's 8388608 = "8GB"]."""
    accelerator_info = item.get("gpu") or item.get("ascend") or {}
    return VendorFlavor(
        vendor=VENDOR,
        flavor_id=str(item.get("id")),
        accelerator=normalize_accelerator(item.get("category"), accelerator_info.get("type")),
        count=as_int(accelerator_info.get("gpu") or accelerator_info.get("npu")),
        cpu=as_int(item.get("vcpus")),
        memory_gb=as_int(item.get("memory")) // (1024 * 1024),
        price_per_hour=micro_units(price),
        available=not item.get("sold_out"),
        kind="notebook",
    )


def parse_service_spec(item: dict[str, Any], price: Decimal) -> VendorFlavor:
    """Specification (表 9-43): usable when open to us, not sold out and within quota."""
    category = str(item.get("category") or "CPU")
    accelerator_info = (item.get("gpu_info") if category.upper() == "GPU" else item.get("npu_info")) or {}
    count = accelerator_info.get("gpu") if category.upper() == "GPU" else accelerator_info.get("npu")
    return VendorFlavor(
        vendor=VENDOR,
        flavor_id=str(item.get("specification")),
        accelerator=normalize_accelerator(category, accelerator_info.get("version")),
        count=as_int(count) if category.upper() != "CPU" else 0,
        cpu=as_int((item.get("cpu_info") or {}).get("cpu")),
        memory_gb=_memory_gb({"size": (item.get("memory_info") or {}).get("memory"),
                              "unit": (item.get("memory_info") or {}).get("unit")}),
        price_per_hour=micro_units(price),
        available=bool(item.get("is_open", True))
        and str(item.get("spec_status") or "normal") == "normal"
        and not item.get("over_quota"),
        kind="inference",
    )


def micro_units(price: Decimal) -> int:
    return int((price * 1_000_000).to_integral_value(rounding=ROUND_HALF_UP))


def _memory_gb(memory: dict[str, Any]) -> int:
    size = as_int(memory.get("size"))
    unit = str(memory.get("unit") or "GB").upper()
    if unit in ("MB", "MIB"):
        return size // 1024
    if unit in ("TB", "TIB"):
        return size * 1024
    return size


# Product-name fragments -> normalized accelerator class, checked in order.
_GPU_PRODUCTS: tuple[tuple[str, str], ...] = (
    ("v100", "nvidia-v100"),
    ("vnt1", "nvidia-v100"),  # "GP-Vnt1" is ModelArts' name for the V100 32GB
    ("a100", "nvidia-a100"),
    ("pnt004", "nvidia-p4"),  # inference "Pnt004"; the custom spec calls it `gpu_p4`
    ("tnt004", "nvidia-t4"),
)
_NPU_PRODUCTS: tuple[tuple[str, str], ...] = (
    ("910b", "ascend-910b"),
    ("snt9", "ascend-910b"),  # "Ascend-snt9b" (and bare "snt9", per Switchyard's catalogue) is the 910B
    ("snt3", "ascend-310"),  # inference "Ascend Snt3" (`ascend_a310` in the custom spec)
    ("310", "ascend-310"),
)


def normalize_accelerator(flavor_type: str | None, product_name: str | None) -> str:
    """Normalized accelerator class of a ModelArts flavor.

    `flavor_type` is the flavor's CPU/GPU/Ascend (training), CPU/GPU/ASCEND (notebooks) or
    CPU/GPU/NPU (inference); `product_name` the GPU's or NPU's product name. Unknown products
    keep a stable, recognisable name ("gpu-<product>", "npu-<product>") rather than being forced
    into a known class.
    """
    kind = (flavor_type or "").strip().lower()
    product = (product_name or "").strip().lower()
    if kind == "gpu":
        return _match(product, _GPU_PRODUCTS, "gpu")
    if kind in ("ascend", "npu"):
        return _match(product, _NPU_PRODUCTS, "npu")
    return "cpu"


def _match(product: str, table: tuple[tuple[str, str], ...], family: str) -> str:
    for fragment, accelerator in table:
        if fragment in product:
            return accelerator
    slug = re.sub(r"[^a-z0-9]+", "-", product).strip("-")
    return f"{family}-{slug or 'unknown'}"
