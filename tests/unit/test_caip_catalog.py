"""CAIP flavors in Switchyard's terms (services.vendors.caip.catalog)."""

from decimal import Decimal

import pytest

from services.vendors.caip.catalog import normalize_accelerator, parse_flavor, price_per_hour, whole_cards

FLAVOR = {
    "id": "8c3f0b6e", "name": "mlu370-x1", "flavorType": "MLU", "enabled": True,
    "cpuMilliCoresRequest": 8000, "cpuMilliCoresLimit": 16000, "memMbRequest": 32768, "memMbLimit": 32768,
    "mluMilliCores": 1000, "mluType": "MLU370-X8", "gpuMilliCores": 0, "gpuType": "",
    "ephemeralStorageGb": 50, "mellanoxIb": 0, "mellanoxRoce": 0, "credit": 3_500_000, "totalReplicas": 12,
}  # fmt: skip


@pytest.mark.parametrize(
    ("flavor_type", "mlu", "gpu", "mlu_m", "gpu_m", "expected"),
    [
        ("MLU", "MLU370-X8", "", 1000, 0, "mlu370"),
        ("MLU", "MLU370-S4", "", 1000, 0, "mlu370"),
        ("MLU", "MLU590", "", 8000, 0, "mlu590"),
        ("mlu", "mlu290", "", 1000, 0, "mlu290"),
        ("MLU", "MLU-X1000", "", 1000, 0, "mlu-mlu-x1000"),
        ("GPU", "", "A100", 0, 1000, "nvidia-a100"),
        ("GPU", "", "NVIDIA H800 80GB", 0, 8000, "nvidia-h800"),
        ("GPU", "", "Tesla-V100-SXM2", 0, 1000, "nvidia-v100"),
        ("GPU", "", "RTX 4090", 0, 1000, "gpu-rtx-4090"),
        ("CPU", "", "", 0, 0, "cpu"),
        # flavorType is optional ([DOC]) or Unknown: the cards decide
        (None, "MLU370-X8", "", 2000, 0, "mlu370"),
        ("Unknown", "", "A100", 0, 1000, "nvidia-a100"),
        ("", "", "", 0, 0, "cpu"),
    ],
)
def test_accelerator_normalization(flavor_type, mlu, gpu, mlu_m, gpu_m, expected) -> None:
    assert normalize_accelerator(flavor_type, mlu, gpu, mlu_m, gpu_m) == expected


@pytest.mark.parametrize(("millicards", "cards"), [(0, 0), (1000, 1), (8000, 8), (500, None), (1500, None)])
def test_whole_cards(millicards: int, cards: int | None) -> None:
    assert whole_cards(millicards) == cards


@pytest.mark.parametrize(
    ("credit", "rate", "micro_cny"),
    [
        (3_500_000, Decimal(1), 3_500_000),  # credit is already 1e-6 per hour
        (3_500_000, Decimal("0.85"), 2_975_000),
        (1, Decimal("0.5"), 1),  # half a micro-unit rounds up
        (0, Decimal(7), 0),
    ],
)
def test_price_per_hour(credit: int, rate: Decimal, micro_cny: int) -> None:
    assert price_per_hour(credit, rate) == micro_cny


def test_parse_flavor() -> None:
    flavor = parse_flavor(FLAVOR, "caip", Decimal(1))
    assert flavor is not None
    assert (flavor.flavor_id, flavor.accelerator, flavor.count, flavor.cpu, flavor.memory_gb) == (
        "8c3f0b6e", "mlu370", 1, 8, 32,
    )  # fmt: skip
    assert (flavor.price_per_hour, flavor.available, flavor.vendor) == (3_500_000, True, "caip")


def test_fractional_cards_cannot_be_requested() -> None:
    assert parse_flavor(FLAVOR | {"mluMilliCores": 500}, "caip", Decimal(1)) is None


@pytest.mark.parametrize(
    ("fields", "available"), [({"enabled": False}, False), ({"totalReplicas": 0}, False), ({}, True)]
)
def test_availability(fields: dict, available: bool) -> None:
    flavor = parse_flavor(FLAVOR | fields, "caip", Decimal(1))
    assert flavor is not None and flavor.available is available


def test_cpu_flavors_have_no_accelerators() -> None:
    cpu = FLAVOR | {"flavorType": "CPU", "mluMilliCores": 0, "mluType": ""}
    flavor = parse_flavor(cpu, "caip", Decimal(1))
    assert flavor is not None and (flavor.accelerator, flavor.count) == ("cpu", 0)
