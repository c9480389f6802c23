"""CAIP flavors (算力规格) in Switchyard's terms: accelerator class, card count and price.

[DOC] accelerators come in 1/1000 cards (`mluMilliCores`, `gpuMilliCores`), the card model in
`mluType`/`gpuType`, and `credit` is the price per hour in units of 1/10^6. The document does not
say what a credit is worth; the rate (CNY per credit) is a setting, 1 by default, which makes
`credit` exactly Switchyard's micro-CNY.
"""

import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from services.vendors.base import VendorFlavor

# Model-name fragments -> normalized accelerator class, checked in order.
_MLU_MODELS: tuple[tuple[str, str], ...] = (
    ("590", "mlu590"), ("370", "mlu370"), ("290", "mlu290"), ("270", "mlu270"), ("220", "mlu220"),
)  # fmt: skip
_GPU_MODELS: tuple[tuple[str, str], ...] = (
    ("a100", "nvidia-a100"), ("a800", "nvidia-a800"), ("h100", "nvidia-h100"), ("h800", "nvidia-h800"),
    ("v100", "nvidia-v100"),
)  # fmt: skip


def normalize_accelerator(flavor_type: str | None, mlu_type: str | None, gpu_type: str | None,
                          mlu_millicards: int = 0, gpu_millicards: int = 0) -> str:  # fmt: skip
    """`mlu370`, `nvidia-a100`, `cpu`, ...; unknown models keep a recognisable `mlu-<model>` /
    `gpu-<model>`. `flavorType` is optional ([DOC]); without it (or `Unknown`), the cards decide."""
    kind = (flavor_type or "").strip().upper()
    if kind in ("", "UNKNOWN"):
        kind = "MLU" if mlu_millicards else "GPU" if gpu_millicards else "CPU"
    if kind == "MLU":
        return _match(mlu_type, _MLU_MODELS, "mlu")
    if kind == "GPU":
        return _match(gpu_type, _GPU_MODELS, "gpu")
    return "cpu"


def whole_cards(millicards: int) -> int | None:
    """Cards per replica; None for a fraction of a card (a virtual function), which Switchyard's
    whole-accelerator requests cannot ask for."""
    return millicards // 1000 if millicards % 1000 == 0 else None


def price_per_hour(credit: int, cny_per_credit: Decimal) -> int:
    """Micro-CNY per hour from `credit` (1e-6 credits per hour), rounded half-up."""
    return int((Decimal(credit) * cny_per_credit).to_integral_value(rounding=ROUND_HALF_UP))


def parse_flavor(item: Mapping[str, Any], vendor: str, cny_per_credit: Decimal) -> VendorFlavor | None:
    """A listed flavor as a VendorFlavor (one replica = one Switchyard node); None when it cannot
    be requested (a fractional card)."""
    flavor_type = item.get("flavorType")
    mlu, gpu = _int(item.get("mluMilliCores")), _int(item.get("gpuMilliCores"))
    accelerator = normalize_accelerator(flavor_type, item.get("mluType"), item.get("gpuType"), mlu, gpu)
    count = 0 if accelerator == "cpu" else whole_cards(mlu if accelerator.startswith("mlu") else gpu)
    if count is None:
        return None
    total_replicas = item.get("totalReplicas")
    return VendorFlavor(
        vendor=vendor,
        flavor_id=str(item.get("id")),
        accelerator=accelerator,
        count=count,
        cpu=_int(item.get("cpuMilliCoresRequest")) // 1000,
        memory_gb=_int(item.get("memMbRequest")) // 1024,
        price_per_hour=price_per_hour(_int(item.get("credit")), cny_per_credit),
        # The list has no free count (`freeReplicas` is only in a job's flavorInfos); a full flavor
        # queues the job on CAIP, so only a disabled or empty pool is unavailable.
        available=item.get("enabled", True) is not False and (total_replicas is None or _int(total_replicas) > 0),
        # A job's workers are replicas of its flavor [DOC totalReplicas: the most the cluster hosts]; without the
        # figure only one worker is promised.
        max_nodes=max(1, _int(total_replicas)) if total_replicas is not None else 1,
    )


def _match(model: str | None, table: tuple[tuple[str, str], ...], family: str) -> str:
    name = (model or "").strip().lower()
    for fragment, accelerator in table:
        if fragment in name:
            return accelerator
    slug = re.sub(r"[^a-z0-9]+", "-", name).strip("-")
    return f"{family}-{slug or 'unknown'}"


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
