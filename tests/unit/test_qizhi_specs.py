"""Qizhi specs -> flavors: exact prices, accelerator classes, both entry shapes."""

from decimal import Decimal

import pytest

from services.vendors.qizhi.catalog import normalize_accelerator, parse_spec, price_micros


@pytest.mark.parametrize(
    ("price", "micros"),
    [
        (Decimal("117.0"), 117_000_000),
        (Decimal("14.6"), 14_600_000),
        (Decimal("0.000001"), 1),
        ("11.1", 11_100_000),
        (" 89 ", 89_000_000),
        (89, 89_000_000),
        (Decimal("0.0000005"), 1),  # below a micro-unit: half up
        (Decimal("0.00000049"), 0),
    ],
)
def test_prices_become_exact_micro_units(price: Decimal | str | int, micros: int) -> None:
    assert price_micros(price) == micros


def test_float_prices_are_refused() -> None:
    with pytest.raises(TypeError):
        price_micros(14.6)  # type: ignore[arg-type]


@pytest.mark.parametrize("price", ["", "abc", "-1", "NaN", "Infinity"])
def test_non_prices_are_refused(price: str) -> None:
    with pytest.raises(ValueError):
        price_micros(price)


@pytest.mark.parametrize(
    ("gpu_count", "gpu_info", "expected"),
    [
        (8, {"brand": "NVIDIA", "gpu_product_simple": "H100", "gpu_type": "NVIDIA_H100_SXM_80G"}, "nvidia-h100"),
        (1, {"brand": "NVIDIA", "gpu_product_simple": "A100"}, "nvidia-a100"),
        (1, {"brand": "英伟达", "gpu_product_simple": "H800"}, "nvidia-h800"),
        (1, {"gpu_type": "NVIDIA_A100_SXM_80G"}, "nvidia-a100"),  # product from the type string
        (1, {"brand": "Huawei", "gpu_product_simple": "910B"}, "ascend-910b"),
        (2, {"brand": "Iluvatar", "gpu_product_simple": "BI-V150"}, "iluvatar-bi-v150"),
        (1, {}, "gpu-unknown"),
        (0, {"brand": "NVIDIA", "gpu_product_simple": "H100"}, "cpu"),
        (0, None, "cpu"),
    ],
)
def test_accelerator_classes(gpu_count: int, gpu_info: dict | None, expected: str) -> None:
    assert normalize_accelerator(gpu_count, gpu_info) == expected


_PRICE_INFO = {
    "cpu_count": 100,
    "gpu_count": 8,
    "memory_size_gib": 1600,
    "quota_id": "4dd0e854",
    "gpu_info": {"brand": "NVIDIA", "gpu_product_simple": "H100"},
    "total_price_per_hour": Decimal("117.0"),
}


def test_a_nested_entry_is_read() -> None:
    flavor = parse_spec({"spec_id": "4dd0e854", "instance_spec_price_info": _PRICE_INFO})
    assert flavor is not None
    assert (flavor.flavor_id, flavor.accelerator, flavor.count, flavor.cpu, flavor.memory_gb) == (
        "4dd0e854", "nvidia-h100", 8, 100, 1600,
    )
    assert flavor.price_per_hour == 117_000_000 and flavor.vendor == "qizhi"


def test_a_flat_entry_is_read_and_quota_id_names_the_spec() -> None:
    flavor = parse_spec(dict(_PRICE_INFO))
    assert flavor is not None and flavor.flavor_id == "4dd0e854" and flavor.count == 8


@pytest.mark.parametrize("missing", ["total_price_per_hour", "quota_id"])
def test_an_entry_without_id_or_price_is_skipped(missing: str) -> None:
    entry = {key: value for key, value in _PRICE_INFO.items() if key != missing}
    assert parse_spec(entry) is None
