"""Packages end to end: an operator's offer, a tenant buys it, a job runs on it and the balance does
not move; a funds threshold crossed reaches billing.events; statements through the gateway."""

import asyncio
import uuid
from datetime import UTC, datetime

import pytest

from contracts.topics import BILLING_EVENTS
from tests.e2e.helpers import amount, expected_minutes, job_in, kafka_events, wait_for
from tests.e2e.test_walking_skeleton import training

pytestmark = pytest.mark.e2e


def test_a_job_covered_by_a_package_is_paid_from_it(stack, admin, tenant):
    offer = admin.post("/v1/admin/package-offers", json={
        "name": "910B trial", "accelerator": "ascend-910b", "card_hours": "10", "price": "30.00", "valid_days": 30})
    assert offer.status_code == 201, offer.text
    assert offer.json()["id"] in [o["id"] for o in tenant.get("/v1/package-offers").json()["items"]]

    key = str(uuid.uuid4())
    bought = tenant.post("/v1/packages", json={"offer_id": offer.json()["id"]}, headers={"Idempotency-Key": key})
    assert bought.status_code == 201, bought.text
    package = bought.json()
    again = tenant.post("/v1/packages", json={"offer_id": offer.json()["id"]}, headers={"Idempotency-Key": key})
    assert again.json()["id"] == package["id"]
    assert (package["unit"], package["granted"], package["remaining"]) == ("card_hours", "10.00", "10.00")
    assert amount(tenant.get("/v1/balance").json()["balance"]) == amount("70.00")
    quoted = tenant.post("/v1/quotes", json=training("quoted")).json()["items"]
    assert quoted[0]["covered_by"] == package["id"]  # the package pays: that placement is tried first

    job_id = tenant.post("/v1/jobs", json=training("on-package", SWITCHYARD_SIM_RUN_SECONDS="2")).json()["id"]
    job = job_in(tenant, job_id, "SUCCEEDED", "FAILED")
    minutes = expected_minutes(job)

    def charges():
        items = tenant.get("/v1/usage", params={"job_id": job_id}).json()["items"]
        return items if len([i for i in items if i["kind"] == "charge"]) == minutes else None
    items = wait_for(charges, what="the job's charges")
    assert {(i["package_id"], i["amount"]) for i in items} == {(package["id"], "0.00")}
    assert all(i["card_seconds"] == 60 and amount(i["vendor_cost"]) > 0 for i in items)
    balance = tenant.get("/v1/balance").json()
    assert amount(balance["balance"]) == amount("70.00")  # the package paid
    [mine] = [p for p in balance["packages"] if p["id"] == package["id"]]
    assert amount(mine["remaining"]) == amount("10.00") - amount(f"{minutes * 60 / 3600:.6f}")

    month = datetime.now(UTC).strftime("%Y-%m")
    csv_statement = tenant.get(f"/v1/statements/{month}", headers={"Accept": "text/csv"})
    assert csv_statement.status_code == 200 and csv_statement.headers["content-type"].startswith("text/csv")
    assert "package_purchase" in csv_statement.text
    statement = tenant.get(f"/v1/statements/{month}").json()
    assert statement["closing_balance"] == "70.00"


def test_buying_without_the_money_is_402(admin, tenant):
    offer = admin.post("/v1/admin/package-offers", json={
        "name": "big", "credit": "1000.00", "price": "900.00", "valid_days": 30}).json()
    refused = tenant.post("/v1/packages", json={"offer_id": offer["id"]})
    assert refused.status_code == 402
    assert refused.headers["content-type"].startswith("application/problem+json")


async def _billing_events(stack, tenant_id: str, event_type: str, timeout_s: float = 60.0) -> list[dict]:
    return await kafka_events(stack, BILLING_EVENTS, lambda headers, _: headers.get("ce_type") == event_type
                              and headers.get("ce_tenantid") == tenant_id, timeout_s)


def test_a_funds_threshold_crossed_reaches_billing_events(stack, admin, tenant):
    # 100.00 topped up; an operator debit leaves 15.00, under 20 %: the next minute charged crosses it.
    debit = admin.post(f"/v1/admin/tenants/{tenant.tenant_id}/adjustments",
                       json={"amount": "-85.00", "reason": "e2e: spend most of it"})
    assert debit.status_code == 201, debit.text
    job_id = tenant.post("/v1/jobs", json=training("thresholds", SWITCHYARD_SIM_RUN_SECONDS="2")).json()["id"]
    job_in(tenant, job_id, "SUCCEEDED", "FAILED")
    events = asyncio.run(_billing_events(stack, tenant.tenant_id, "switchyard.billing.funds_low.v1"))
    assert [e["threshold_percent"] for e in events] == [20]
    assert events[0]["last_top_up"] == amount("100.00")
