"""The most nodes each vendor's flavor runs one job on, read from what the vendor lists."""

from decimal import Decimal

from services.vendors.aispace.catalog import parse_package, to_flavor
from services.vendors.caip.catalog import parse_flavor
from services.vendors.modelarts.catalog import parse_training_flavor


def test_modelarts_reads_max_num():
    item = {"flavor_id": "f", "flavor_type": "Ascend", "max_num": 16,
            "flavor_info": {"max_num": 16, "npu": {"unit_num": "8", "product_name": "Ascend-snt9b"},
                            "cpu": {"core_num": 192}, "memory": {"size": 1536, "unit": "GB"}}}
    assert parse_training_flavor(item, Decimal("1")).max_nodes == 16
    assert parse_training_flavor({**item, "max_num": None, "flavor_info": {}}, Decimal("1")).max_nodes == 1


def test_caip_reads_total_replicas_and_promises_one_without_them():
    item = {"id": "f", "flavorType": "MLU", "mluType": "MLU370", "mluMilliCores": 1000, "credit": 1_000_000,
            "cpuMilliCoresRequest": 8000, "memMbRequest": 32768, "totalReplicas": 12}
    assert parse_flavor(item, "caip", Decimal("1")).max_nodes == 12
    assert parse_flavor({k: v for k, v in item.items() if k != "totalReplicas"}, "caip", Decimal("1")).max_nodes == 1


def test_an_aispace_package_runs_a_training_job_on_one_node():
    package = parse_package({"resourceId": "AIDP-1", "specGpu": "1(H800)", "specCPU": "16", "specMemory": "100G",
                             "perPrice": 6_000_000, "totalAmount": 2000, "restAmount": 2000, "resourceState": 1,
                             "resourceType": "compute"})
    assert to_flavor(package, "training").max_nodes == 1
