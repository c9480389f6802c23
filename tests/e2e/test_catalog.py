"""The flavor catalog across the four vendors at sell prices, and quotes in the scheduler's order."""

import asyncio
from datetime import datetime

import pytest

from contracts.catalog import FlavorChanged
from contracts.money import parse_amount
from contracts.topics import VENDOR_EVENTS
from tests.e2e.helpers import kafka_events, per_minute_price, vendor_price
from tests.e2e.test_walking_skeleton import training

pytestmark = pytest.mark.e2e


def test_flavors_span_every_vendor_at_sell_prices(tenant):
    response = tenant.get("/v1/flavors")
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert {i["vendor"] for i in items} == {"modelarts", "caip", "qizhi", "aispace"}
    prices = [parse_amount(i["price_per_hour"]["amount"]) for i in items]
    assert prices == sorted(prices)
    one_card = next(i for i in items if i["flavor"] == "modelarts.vm.snt9.1card")
    # default price book: vendor price x 1.20
    assert parse_amount(one_card["price_per_hour"]["amount"]) == vendor_price("modelarts.vm.snt9.1card") * 6 // 5

    filtered = tenant.get("/v1/flavors", params={"accelerator": "ascend-910b", "count": 2}).json()["items"]
    assert filtered and all(i["accelerator"] == "ascend-910b" and i["count"] >= 2 for i in filtered)
    notebooks = tenant.get("/v1/flavors", params={"kind": "notebook"}).json()["items"]
    assert notebooks and all(i["kind"] == "notebook" for i in notebooks)


def test_a_quote_lists_the_placements_in_the_order_the_scheduler_tries_them(tenant):
    spec = training("quoted") | {"max_runtime_s": 3600}
    response = tenant.post("/v1/quotes", json=spec)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [i["flavor"] for i in items][:2] == ["modelarts.vm.snt9.1card", "modelarts.bm.snt9.xlarge.2"]
    first = items[0]
    per_minute = per_minute_price(vendor_price(first["flavor"]))
    assert parse_amount(first["max_cost"]["amount"]) == per_minute * 60
    assert first["covered_by"] is None

    job_id = tenant.post("/v1/jobs", json=training("quoted", SWITCHYARD_SIM_RUN_SECONDS="1")).json()["id"]
    from tests.e2e.helpers import job_in
    assert job_in(tenant, job_id, "SUCCEEDED")["flavor"] == first["flavor"]

    capped = tenant.post("/v1/quotes", json=spec | {"placement": {"max_price_per_hour": "25.00"}}).json()["items"]
    assert [i["flavor"] for i in capped] == ["modelarts.vm.snt9.1card"]
    assert tenant.post("/v1/quotes", json={"kind": "training"}).status_code == 422


def test_a_flavor_sold_out_is_announced_after_an_on_demand_refresh(stack, admin, modelarts_faults):
    # ModelArts marks sold-out inference specifications ("spec_status": "sellout"); training flavors carry no mark.
    modelarts_faults(sold_out=["modelarts.vm.cpu.2u"])
    response = admin.post("/v1/admin/vendors/modelarts/catalog/refresh")
    assert response.status_code == 202, response.text
    asked_at = datetime.fromisoformat(response.json()["requested_at"])

    def sold_out(headers, payload):
        return (headers["ce_type"] == FlavorChanged.TYPE and payload["flavor"] == "modelarts.vm.cpu.2u" and payload["kind"] == "inference"
                and payload["change"] == "availability_changed" and not payload["after"]["available"]
                and datetime.fromisoformat(payload["changed_at"]) >= asked_at)

    changed, = asyncio.run(kafka_events(stack, VENDOR_EVENTS, sold_out))
    assert (changed["vendor"], changed["kind"], changed["before"]["available"]) == ("modelarts", "inference", True)
    assert changed["before"]["price_per_hour"] == changed["after"]["price_per_hour"] > 0

    unknown = admin.post("/v1/admin/vendors/nowhere/catalog/refresh")
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith("application/problem+json")
