"""Resource packages, storage, dedicated pools and project spaces (sections 4, 5, 6, 9), over HTTP."""

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from services.vendorsim.aispace.config import StartingPackage
from tests.contract.aispace.case import ALPHA, V1, AISpaceSim, package, packages
from tests.contract.support import unique_name, wait_until

R = {"requestInfo": "region1"}
CST = timezone(timedelta(hours=8))


def quote(total_fen: int, rating_value: int, *, nested_unit_price: bool = True) -> dict[str, Any]:
    """A `queryPriceResult` like the document's (4.2 nests unitPrice/tips in totalPrice; 5.2 puts them beside)."""
    unit_price = {"unitPriceDetailDTOS": [{"serviceCode": "AIDP", "specCode": "calculate"}]}
    total: dict[str, Any] = {
        "price": total_fen,
        "discount": 0,
        "total": total_fen,
        "displayPrice": total_fen // 100,
        "priceDetailDTOS": [{"serviceCode": "AIDP", "bizType": "Create", "ratingKeyPriceDTOS": [
            {"priceId": 10161, "ratingKey": "ByHours", "count": rating_value, "fee": total_fen, "feeUnit": "分",
             "ratingVal": rating_value, "feeMeasure": "10403", "cycleType": "Month", "priceType": "ByCycleDefault"}]}],
    }  # fmt: skip
    result: dict[str, Any] = {"showPriceSwitch": "on", "chargeSwitch": "off", "totalPrice": total}
    if nested_unit_price:
        total |= {"unitPrice": unit_price, "tips": "--"}
    else:
        result |= {"unitPrice": unit_price, "tips": "--"}
    return result


def purchase(sim: AISpaceSim, spec_code: str, name: str, *, total_fen: int, rating_value: int, amount: int = 1,
             rating_key: str = "ByHours", path: str = f"{V1}/resource", **extra: Any) -> dict[str, Any]:  # fmt: skip
    body = {
        "queryPriceResult": quote(total_fen, rating_value), "ratingKey": rating_key, "specCode": spec_code,
        "cycleCount": 1, "cycleType": "Month", "amount": amount, "tenantId": sim.config.tenant_id,
        "departmentId": sim.config.department_id, "name": name, "azId": "AZ1", "billingMode": "ByCycle",
        "bizType": "Create", "regionId": "region1",
    } | extra  # fmt: skip
    return sim.call("POST", path, body=body).json()


def by_order(sim: AISpaceSim, order_id: str, spec_type: str = "compute") -> dict[str, Any]:
    return next(p for p in packages(sim, spec_type) if p["orderId"] == order_id)


def relate(sim: AISpaceSim, project_id: int | str, resource_id: str, *, related: bool = True) -> Any:
    path = f"{V1}/resource/project/{'related' if related else 'unRelated'}"
    return sim.call("POST", path, query=R, body={"projectId": str(project_id), "resourceIds": [resource_id]}).json()


# --------------------------------------------------------------------------- public-pool packages


def test_starting_packages_carry_every_documented_field(sim: AISpaceSim) -> None:
    item = package(sim, "calculate2H80050c")
    assert (item["specCPU"], item["specGpu"], item["specMemory"]) == ("50", "2(H800)", "200")
    assert item["resourceId"].startswith("AIDP-") and len(item["resourceId"]) == 37
    assert re.fullmatch(r"\d{18}", item["orderId"])
    assert (item["resourceState"], item["resourceStateName"], item["resourceType"]) == (1, "正常", "compute")
    assert (item["perPrice"], item["totalAmount"]) == (5_800_000, 1000)
    assert isinstance(item["createTime"], int) and isinstance(item["updateTime"], int)
    # endTime is "YYYY-MM-DD HH:MM:SS" in UTC+8, one year (the starting packages' cycle) after createTime.
    created = datetime.fromtimestamp(item["createTime"] / 1000, UTC)
    end = datetime.strptime(item["endTime"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=CST)
    assert end.astimezone(UTC).replace(year=created.year) == created.replace(microsecond=0)
    assert item["project"] == item["projectName"] == sim.config.project_name
    detail = sim.ok("GET", f"{V1}/resource/detail/{item['resourceId']}")["data"]
    assert detail["id"] == item["id"] and detail["specGpu"] == "2(H800)"


@pytest.mark.parametrize("nested", [True, False])
def test_a_purchase_returns_an_order_id_and_lists_with_its_price_in_fen(sim: AISpaceSim, nested: bool) -> None:
    name = unique_name("pkg")
    body = {
        "queryPriceResult": quote(7_200_000, 100, nested_unit_price=nested), "ratingKey": "ByHours",
        "specCode": "standardCpu", "cycleCount": 1, "cycleType": "Month", "amount": 1,
        "tenantId": sim.config.tenant_id, "departmentId": sim.config.department_id, "name": name, "azId": "AZ1",
        "billingMode": "ByCycle", "bizType": "Create", "regionId": "region1",
    }  # fmt: skip
    answer = sim.ok("POST", f"{V1}/resource", body=body)
    assert answer["code"] == "Success" and re.fullmatch(r"\d{18}", answer["data"])
    item = by_order(sim, answer["data"])
    assert (item["name"], item["perPrice"], item["totalAmount"], item["usedAmount"], item["restAmount"]) == (
        name, 7_200_000, 100, 0, 100,
    )  # fmt: skip
    assert (item["specCPU"], item["specGpu"], item["specMemory"]) == ("2", "0", "4")
    assert item["project"] == ""  # not associated yet
    created = datetime.fromtimestamp(item["createTime"] / 1000, CST)
    end = datetime.strptime(item["endTime"], "%Y-%m-%d %H:%M:%S")
    assert (end.year * 12 + end.month) - (created.year * 12 + created.month) == 1  # one Month cycle


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"specCode": "nope"}, "specCode"),
        ({"queryPriceResult": {"totalPrice": {"price": 100, "discount": 10, "total": 100}}}, "price - discount"),
        ({"bizType": "Refund"}, "bizType"),
        ({"cycleType": "Week"}, "cycleType"),
        ({"tenantId": ""}, "tenantId"),
        ({"specCode": "aispace.gpfs11"}, "/storage/resource"),
    ],
)
def test_invalid_purchases_are_refused(sim: AISpaceSim, change: dict[str, Any], message: str) -> None:
    answer = purchase(sim, "standardCpu", unique_name("bad"), total_fen=100, rating_value=1, **change)
    assert answer["code"] == "InvalidParameter" and message in answer["message"]


def test_package_list_pages_from_one(start_sim) -> None:  # type: ignore[no-untyped-def]
    many = tuple(StartingPackage("standardCpu", f"cpu-{index}", 1, 10, 1000) for index in range(5))
    sim = start_sim(packages=many)
    pages = [
        sim.ok("POST", f"{V1}/resource/list", query=R, body={"pageSize": 2, "pageNum": number, "specType": "compute"})
        for number in (1, 2, 3, 4)
    ]
    data = [page["data"] for page in pages]
    assert [(d["size"], d["current"], d["total"], d["totalPage"]) for d in data] == [(2, n, 5, 3) for n in (1, 2, 3, 4)]
    assert [len(d["list"]) for d in data] == [2, 2, 1, 0]
    assert len({item["resourceId"] for d in data for item in d["list"]}) == 5
    refused = sim.call(
        "POST", f"{V1}/resource/list", query=R, body={"pageSize": 2, "pageNum": 0, "specType": "compute"}
    )
    assert refused.json()["code"] == "InvalidParameter"
    missing = sim.call("POST", f"{V1}/resource/list", query=R, body={"pageSize": 2, "pageNum": 1})
    assert missing.json()["code"] == "InvalidParameter"


def test_remaining_amounts_fall_as_workloads_consume_them(start_sim) -> None:  # type: ignore[no-untyped-def]
    # One node-hour per 0.2 s of running, so a few seconds show the amount falling.
    sim = start_sim(amount_unit_s=0.2, packages=(StartingPackage("calculate", "gpu", 2, 100, 300_000),))
    item = package(sim, "calculate")
    assert (item["restAmount"], item["restGpu"], item["restCPU"], item["restMemory"]) == (100, "2(H800)", "32", "200")
    body = {
        "projectId": sim.config.project_id, "project_id": sim.config.project_id, "name": unique_name("train"),
        "maas_task_type": "slm", "billing_mode": "resourcePool", "images": "img", "command": "sleep 1",
        "spec_type": "compute", "resource_id": item["resourceId"], "node_selector": "train=true",
        "expand": json.dumps({"trainWorkArgs": {"envs": [{"key": "SWITCHYARD_SIM_RUN_SECONDS", "value": "1"}]}}),
    }  # fmt: skip
    task = sim.ok("POST", f"{ALPHA}/maas_task_modelview/slm/api/", body=body)["data"]["result"]
    sim.ok("GET", f"{ALPHA}/maas_task_modelview/slm/api/maas_run/{task['id']}")
    running = wait_until(lambda: (p := package(sim, "calculate"))["restGpu"] == "1(H800)" and p)
    assert (running["restCPU"], running["restMemory"]) == ("16", "100")
    assert 1 <= running["usedAmount"] < 100
    done = wait_until(lambda: (p := package(sim, "calculate"))["restGpu"] == "2(H800)" and p, timeout_s=5)
    # 1 s of one node = 5 units of 0.2 s; the amount never comes back.
    assert done["usedAmount"] == 5 and done["restAmount"] == 95
    assert done["updateTime"] > item["updateTime"]


def test_an_exhausted_package_refuses_new_workloads(start_sim) -> None:  # type: ignore[no-untyped-def]
    sim = start_sim(amount_unit_s=0.05, packages=(StartingPackage("standardCpu", "tiny", 1, 2, 100),))
    item = package(sim, "standardCpu")
    body = {
        "projectId": sim.config.project_id, "name": unique_name("burn"), "maas_task_type": "slm",
        "billing_mode": "resourcePool", "images": "img", "command": "sleep", "spec_type": "compute",
        "resourceId": item["resourceId"], "node_selector": "train=true", "expand": "{}",
    }  # fmt: skip
    task = sim.ok("POST", f"{ALPHA}/maas_task_modelview/slm/api/", body=body)["data"]["result"]
    sim.ok("GET", f"{ALPHA}/maas_task_modelview/slm/api/maas_run/{task['id']}")
    wait_until(lambda: package(sim, "standardCpu")["restAmount"] == 0)
    again = sim.call("POST", f"{ALPHA}/maas_task_modelview/slm/api/", body=body | {"name": unique_name("more")})
    assert (again.status_code, again.json()["code"]) == (409, "QuotaExceeded")


# --------------------------------------------------------------------------- storage and dedicated pools


def test_storage_is_bought_and_listed_by_both_paths(sim: AISpaceSim) -> None:
    name = unique_name("gpfs")
    answer = purchase(sim, "aispace.gpfs11", name, total_fen=10_000_000, rating_value=0, amount=100,
                      rating_key="ByAmount", path=f"{V1}/storage/resource")  # fmt: skip
    order_id = answer["data"]
    for path in (f"{V1}/storage/resource/list", f"{V1}/storage/resource"):  # the 5.3 example lists via the latter
        listed = sim.ok("POST", path, query=R, body={"pageSize": 10, "pageNum": 1, "name": name})["data"]
        assert listed["total"] == 1
        item = listed["list"][0]
        assert (item["orderId"], item["resourceType"], item["storageSize"]) == (order_id, "storage", "100")
        assert item["specStorage"] == "aispace.gpfs11" and item["resourceId"].startswith("AIDP-")
    by_order_id = sim.ok("POST", f"{V1}/storage/resource/list", query=R,
                         body={"pageSize": 10, "pageNum": 1, "orderId": order_id})["data"]  # fmt: skip
    assert [i["name"] for i in by_order_id["list"]] == [name]


def test_a_dedicated_pool_is_unsubscribed_with_remain_fee_equal_total_minus_used(sim: AISpaceSim) -> None:
    answer = purchase(sim, "spec", unique_name("pool"), total_fen=200, rating_value=0, rating_key="ByAmount")
    pool = by_order(sim, answer["data"], "exclusive")
    assert (pool["specGpu"], pool["perPrice"]) == ("8(H800)", 200)
    path = f"{V1}/resource/{pool['resourceId']}"

    def refund(total: int, used: int, remain: int) -> dict[str, Any]:
        return {"queryPriceResult": {"showPriceSwitch": "on", "chargeSwitch": "off", "remainFee": remain,
                "totalFee": total, "usedFee": used, "refundDetailDTOS": [{"serviceCode": "AIDP", "specCode": "spec",
                "instanceId": pool["resourceId"], "bizType": "Refund", "refundFee": remain, "refundOrderDTOS": [
                {"orderId": pool["orderId"], "refundFee": remain, "remainFee": remain}], "perPrice": remain,
                "ratingKey": "ByAmount"}]}}  # fmt: skip

    wrong = sim.call("DELETE", path, query=R, body=refund(200, 6, 195))
    assert wrong.json()["code"] == "InvalidParameter" and "totalFee - usedFee" in wrong.json()["message"]
    not_paid = sim.call("DELETE", path, query=R, body=refund(300, 6, 294))
    assert not_paid.json()["code"] == "InvalidParameter"
    done = sim.ok("DELETE", path, query=R, body=refund(200, 6, 194))
    assert re.fullmatch(r"\d{18}", done["data"]) and done["data"] != pool["orderId"]
    assert sim.call("GET", f"{V1}/resource/detail/{pool['resourceId']}").status_code == 404


def test_a_package_in_use_cannot_be_unsubscribed(sim: AISpaceSim) -> None:
    item = package(sim, "calculate")
    body = {
        "projectId": sim.config.project_id, "name": unique_name("hold"), "maas_task_type": "slm",
        "billing_mode": "resourcePool", "images": "img", "command": "sleep", "spec_type": "compute",
        "resourceId": item["resourceId"], "node_selector": "train=true", "expand": "{}",
    }  # fmt: skip
    task = sim.ok("POST", f"{ALPHA}/maas_task_modelview/slm/api/", body=body)["data"]["result"]
    sim.ok("GET", f"{ALPHA}/maas_task_modelview/slm/api/maas_run/{task['id']}")
    try:
        refund = {"queryPriceResult": {"totalFee": item["perPrice"], "usedFee": item["perPrice"], "remainFee": 0}}
        busy = sim.call("DELETE", f"{V1}/resource/{item['resourceId']}", query=R, body=refund)
        assert (busy.status_code, busy.json()["code"]) == (409, "IncorrectState")
    finally:
        sim.ok("GET", f"{ALPHA}/maas_task_modelview/slm/api/stop/{task['id']}")


# --------------------------------------------------------------------------- project spaces


def project_rows(sim: AISpaceSim, **form: Any) -> dict[str, Any]:
    form = {"filters": [], "str_relate": 1, "page": 0, "page_size": 10} | form
    return sim.ok("GET", f"{V1}/project/page", query={"form_data": json.dumps(form)})["data"]


def test_projects_are_created_without_an_id_and_found_by_name(sim: AISpaceSim) -> None:
    name = unique_name("proj").replace("-", "_")
    created = sim.ok("POST", f"{V1}/project/insert", query=R, body={"name": name, "Describe": "测试"})
    assert created["data"] is True
    rows = project_rows(sim, filters=[{"col": "name", "opr": "eq", "value": name}])
    assert rows["count"] == 1
    row = rows["data"][0]
    assert (row["status"], row["projectUser"], row["completeResource"]) == ("使用中", "user@admin", "")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row["createTime"])
    duplicate = sim.call("POST", f"{V1}/project/insert", query=R, body={"name": name, "describe": "again"})
    assert duplicate.json()["code"] == "ResourceAlreadyExists"


def test_resources_are_related_and_unrelated_and_projects_deleted(sim: AISpaceSim) -> None:
    name = unique_name("proj")
    sim.ok("POST", f"{V1}/project/insert", query=R, body={"name": name, "Describe": ""})
    project_id = project_rows(sim, filters=[{"col": "name", "opr": "eq", "value": name}])["data"][0]["id"]
    order = purchase(sim, "standardCpu", unique_name("cpu"), total_fen=1000, rating_value=10)["data"]
    resource = by_order(sim, order)
    assert relate(sim, project_id, resource["resourceId"])["data"] == 1
    assert by_order(sim, order)["project"] == name
    row = project_rows(sim, filters=[{"col": "id", "opr": "eq", "value": project_id}])["data"][0]
    assert row["completeResource"] == resource["name"]
    other = sim.config.project_id
    assert relate(sim, other, resource["resourceId"])["code"] == "IncorrectState"  # bound elsewhere
    assert relate(sim, project_id, resource["resourceId"], related=False)["data"] == 1
    assert by_order(sim, order)["project"] == ""
    deleted = sim.ok("DELETE", f"{V1}/project/delete", query={"requestInfo": "region1", "id": str(project_id)})
    assert deleted["data"] is True
    assert project_rows(sim, filters=[{"col": "id", "opr": "eq", "value": project_id}])["count"] == 0


def test_project_list_pages_from_zero_with_form_data_in_the_query_or_the_body(sim: AISpaceSim) -> None:
    for _ in range(3):
        sim.ok("POST", f"{V1}/project/insert", query=R, body={"name": unique_name("many"), "Describe": ""})
    first = project_rows(sim, page=0, page_size=2, filters=[{"col": "name", "opr": "sw", "value": "many-"}])
    second = project_rows(sim, page=1, page_size=2, filters=[{"col": "name", "opr": "sw", "value": "many-"}])
    assert first["count"] == second["count"] >= 3
    assert len(first["data"]) == 2 and {r["id"] for r in first["data"]}.isdisjoint(r["id"] for r in second["data"])
    assert [r["id"] for r in first["data"]] == sorted((r["id"] for r in first["data"]), reverse=True)
    # The 9.5 example sends form_data as a GET body, with the key spelt str_relate.
    in_body = sim.ok("GET", f"{V1}/project/page", body={"filters": [], "str_relate": 1, "page": 0, "page_size": 100})
    assert in_body["data"]["count"] >= 4  # the default project, and these three
