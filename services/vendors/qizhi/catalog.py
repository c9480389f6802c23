"""Qizhi resource specs as Switchyard flavors: accelerator class and exact price.

A spec's price is `total_price_per_hour` of the document's `InstanceSpecPriceInfo`, per instance
(node) and hour ([INFER]: the document states no unit; the digest's example adds up per instance).
It arrives as a JSON number (or, from some clients' caches, a decimal string); it is read as a
Decimal, never a float, and turned into integer micro-units exactly.
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from contracts.money import MICROS_PER_UNIT
from services.vendors.base import VendorFlavor
from services.vendors.qizhi.settings import VENDOR, StaticSpec

_BRANDS = {"nvidia": "nvidia", "英伟达": "nvidia", "huawei": "ascend", "ascend": "ascend", "华为": "ascend"}


def price_micros(value: Decimal | int | str) -> int:
    """'117.0' / Decimal('14.6') / 89 -> integer micro-units of CNY (1e-6).

    Floats are refused: a price that went through a float may already be off. Digits below a
    micro-unit (not expected from the vendor) round half up.
    """
    if isinstance(value, float | bool):
        raise TypeError(f"price {value!r} must be a Decimal, an int or a decimal string, not {type(value).__name__}")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValueError(f"not a decimal price: {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"not a price: {value!r}")
    return int((amount * MICROS_PER_UNIT).to_integral_value(rounding=ROUND_HALF_UP))


def normalize_accelerator(gpu_count: int, gpu_info: dict[str, Any] | None) -> str:
    """`node.GpuInfo` -> Switchyard's accelerator class: "nvidia-h100", "nvidia-a100", ... ; "cpu" without GPUs.

    The product comes from `gpu_product_simple` ("H100"), else from `gpu_type`
    ("NVIDIA_A100_SXM_80G" -> brand NVIDIA, product A100).
    """
    if gpu_count <= 0:
        return "cpu"
    info = gpu_info or {}
    brand = str(info.get("brand") or "")
    product = str(info.get("gpu_product_simple") or "")
    gpu_type = str(info.get("gpu_type") or "")
    if not product and gpu_type:
        parts = gpu_type.split("_")
        brand = brand or parts[0]
        product = parts[1] if len(parts) > 1 else parts[0]
    family = _BRANDS.get(brand.strip().lower()) or _slug(brand) or "gpu"
    return f"{family}-{_slug(product) or 'unknown'}"


def parse_spec(item: dict[str, Any]) -> VendorFlavor | None:
    """One `specs/list` entry as a flavor; None when it carries no spec id or no price.

    [INFER] entry shape: the digest names only its contents (spec id, cpu/gpu/memory,
    `total_price_per_hour`), so the fields are read from the entry itself or from a nested
    `instance_spec_price_info`, whichever has them.
    """
    info = item.get("instance_spec_price_info") or {}

    def field(key: str) -> Any:
        value = item.get(key)
        return info.get(key) if value is None else value

    spec_id = item.get("spec_id") or field("quota_id") or item.get("predef_id")
    price = field("total_price_per_hour")
    if not spec_id or price is None:
        return None
    gpu_count = _whole(field("gpu_count"))
    return VendorFlavor(
        vendor=VENDOR,
        flavor_id=str(spec_id),
        accelerator=normalize_accelerator(gpu_count, field("gpu_info")),
        count=gpu_count,
        cpu=_whole(field("cpu_count")),
        memory_gb=_whole(field("memory_size_gib")),
        price_per_hour=price_micros(price),
        # The spec list has no sold-out flag; a sold-out spec shows up on create.
        available=True,
    )


def static_flavor(spec: StaticSpec) -> VendorFlavor:
    """A spec given in settings (`SWITCHYARD_QIZHI_SPECS`) as a flavor."""
    return VendorFlavor(
        vendor=VENDOR,
        flavor_id=spec.spec_id,
        accelerator=spec.accelerator,
        count=spec.gpu_count,
        cpu=spec.cpu,
        memory_gb=spec.memory_gb,
        price_per_hour=price_micros(spec.price_per_hour),
        available=True,
    )


def _whole(value: Any) -> int:
    """The document types counts as `number`; read them leniently as whole numbers."""
    if value is None or isinstance(value, bool | float):
        return int(value or 0)
    try:
        return int(Decimal(str(value)))
    except InvalidOperation:
        return 0


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.strip().lower()).strip("-")
