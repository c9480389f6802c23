"""Resource packages -> flavors, with their prices in exact micro-units."""

from datetime import UTC, datetime

import pytest

from services.vendors.aispace.catalog import ResourcePackage, hourly_price_micros, parse_package, to_flavor

# The document's 4.4 detail example, verbatim.
DETAIL = {
    "id": 78, "name": "useradmin-bg11", "orderId": "221189662184701952", "tenantId": "1841781662849977753",
    "departmentId": "1841781662849977754", "project": "", "specCode": "standardCpu",
    "specName": "通用型 CPU 无 GPU(2c4g)|standardCpu", "specCPU": "2", "specGpu": "0", "specMemory": "4",
    "restCPU": "", "restGpu": "", "restMemory": "", "endTime": "2025-07-11 22:29:12", "createUser": "",
    "createTime": 1720708152150, "updateUser": "", "updateTime": 1720708152150, "resourceType": "compute",
    "resourceState": 1, "regionId": "region1", "azId": "AZ1", "cellId": "",
    "resourceId": "AIDP-08ba092ac675457fb4ecf9e6a2ae97b4", "resourceGroupId": "", "billingMode": "ByCycle",
    "perPrice": 7200000, "feeUnit": 0, "cycleType": "Month", "delete": 0, "projectName": "", "tenantName": "guodx",
    "departmentName": "guodx", "resourceGroupName": "", "resourceStateName": "正常", "totalAmount": 100,
    "usedAmount": 0, "restAmount": 100, "expireTime": "", "instanceType": "", "durationNum": 0, "beforeAmount": 0,
    "afterAmount": 0, "cycleCount": 0, "specStorage": "", "storageSize": "", "usageType": "2", "busId": "",
    "instanceName": "", "instanceTypeCode": 0, "internalGpuType": "",
}  # fmt: skip


def test_the_documents_example_package() -> None:
    package = parse_package(DETAIL)
    assert package.resource_id == "AIDP-08ba092ac675457fb4ecf9e6a2ae97b4"
    assert (package.accelerator, package.count, package.cpu, package.memory_gb) == ("cpu", 0, 2, 4)
    assert (package.paid_fen, package.total_amount, package.used_amount, package.remaining_amount) == (
        7_200_000, 100, 0, 100,
    )  # fmt: skip
    # 7,200,000 fen for 100 node-hours: 72,000 fen = 720.00 CNY per hour.
    assert package.price_per_hour == 720_000_000
    assert package.end_at == datetime(2025, 7, 11, 14, 29, 12, tzinfo=UTC)  # 22:29:12 in UTC+8
    assert (package.state, package.project) == (1, "")


def test_gpu_packages_keep_their_spec_string() -> None:
    package = parse_package(DETAIL | {"specGpu": "2(H800)", "specCPU": "50", "specMemory": "200G", "project": "p"})
    assert (package.spec_gpu, package.accelerator, package.count, package.memory_gb) == (
        "2(H800)",
        "nvidia-h800",
        2,
        200,
    )


@pytest.mark.parametrize(
    ("fen", "amount", "micros"),
    [
        (6_000_000, 2000, 30_000_000),  # 30.00 CNY
        (1, 1, 10_000),  # 1 fen
        (100, 3, 333_333),  # 0.333333... CNY, half up
        (200, 3, 666_667),
        (7_200_000, 100, 720_000_000),
    ],
)
def test_hourly_prices_are_exact_micro_units(fen: int, amount: int, micros: int) -> None:
    price = hourly_price_micros(fen, amount)
    assert price == micros and isinstance(price, int)


def test_a_package_without_amount_has_no_price() -> None:
    with pytest.raises(ValueError):
        hourly_price_micros(100, 0)
    assert parse_package(DETAIL | {"totalAmount": 0}).price_per_hour == 0


def test_remaining_amount_makes_a_flavor_available() -> None:
    package = parse_package(DETAIL | {"specGpu": "1(H800)", "usedAmount": 99, "restAmount": 1})
    flavor = to_flavor(package, "notebook")
    assert (flavor.vendor, flavor.flavor_id, flavor.kind) == ("aispace", package.resource_id, "notebook")
    assert (flavor.accelerator, flavor.count, flavor.price_per_hour, flavor.available) == (
        "nvidia-h800", 1, 720_000_000, True,
    )  # fmt: skip
    spent = parse_package(DETAIL | {"usedAmount": 100, "restAmount": 0})
    assert not to_flavor(spent, "training").available
    # Without restAmount, it is total - used.
    assert parse_package(DETAIL | {"usedAmount": 30, "restAmount": None}).remaining_amount == 70


def package(**change: object) -> ResourcePackage:
    return parse_package(DETAIL | {"project": "team"} | change)


def test_usable_packages_are_normal_in_time_and_ours() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    assert package().usable("team", now)
    assert not package().usable("other", now)
    assert not package(resourceState=2).usable("team", now)
    assert not package(endTime="2024-12-31 23:59:59").usable("team", now)
    assert package(projectName="team", project="").usable("team", now)
