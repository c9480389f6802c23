"""Translate ModelArts vocabulary (training phases, accelerator products) into Switchyard's terms."""

from __future__ import annotations

import re

from contracts.status import JobStatus

# Training job `status.phase` (一级状态). `secondary_phase` is documented as unstable,
# so only the primary phase drives the normalized status.
_TRAINING_PHASES: dict[str, JobStatus] = {
    # Switchyard's PENDING means "not yet on a vendor": a job that exists on
    # ModelArts and waits (even while still being created) is QUEUED.
    "creating": JobStatus.QUEUED,
    "pending": JobStatus.QUEUED,
    "running": JobStatus.RUNNING,
    # Stop requested but still holding (and billing) resources.
    "terminating": JobStatus.RUNNING,
    "completed": JobStatus.SUCCEEDED,
    "failed": JobStatus.FAILED,
    # Seen with secondary CreateFailed / Lost; terminal in practice.
    "abnormal": JobStatus.FAILED,
    "terminated": JobStatus.STOPPED,
}

# Active phases, exactly as ModelArts spells them (used as a search filter).
ACTIVE_TRAINING_PHASES: tuple[str, ...] = ("Creating", "Pending", "Running", "Terminating")


def map_training_phase(phase: str | None) -> JobStatus | None:
    """Normalized status for a training job phase; None for an unknown phase."""
    if not phase:
        return None
    return _TRAINING_PHASES.get(phase.strip().lower())


# Product-name fragments -> normalized accelerator class, checked in order.
_GPU_PRODUCTS: tuple[tuple[str, str], ...] = (
    ("v100", "nvidia-v100"),
    ("vnt1", "nvidia-v100"),  # "GP-Vnt1" is ModelArts' name for the V100 32GB
    ("a100", "nvidia-a100"),
)
_NPU_PRODUCTS: tuple[tuple[str, str], ...] = (
    ("910b", "ascend-910b"),
    ("snt9", "ascend-910b"),  # "Ascend-snt9b" (and bare "snt9", per Switchyard's catalogue) is the 910B
)


def normalize_accelerator(flavor_type: str | None, product_name: str | None) -> str:
    """Normalized accelerator class of a ModelArts flavor.

    `flavor_type` is the flavor's CPU/GPU/Ascend; `product_name` the GPU's or NPU's
    product name. Unknown products keep a stable, recognisable name
    ("gpu-<product>", "npu-<product>") rather than being forced into a known class.
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
