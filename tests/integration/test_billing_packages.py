"""Packages, thresholds, enforcement and the operator's corrections on the real PostgreSQL, through
billing's internal HTTP API (in process) and its handlers."""

import csv
import io
import types
import uuid
from datetime import UTC, datetime

import asyncpg
import httpx
import pytest

from contracts import money
from services.billing import commands, workers
from services.billing.app import http_app
from services.billing.policy import Policy
from services.billing.config import get_billing_settings
from tests.integration.billing_helpers import (
    PER_MINUTE, POLICY, assert_invariants, events_of, meter_and_rate, running_job, tenant_balance,
)


@pytest.fixture(scope="module")
async def api(pool):
    http_app.state.runtime = types.SimpleNamespace(pool=pool, settings=get_billing_settings())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=http_app), base_url="http://billing") as client:
        yield client


async def offer(api, **body) -> str:
    response = await api.post("/internal/admin/package-offers", json={"name": "p", "valid_days": 30, **body})
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def credited_tenant(api, amount: str = "100.00") -> uuid.UUID:
    tenant_id = uuid.uuid4()
    assert (await api.post(f"/internal/tenants/{tenant_id}/credit", json={"amount": amount})).status_code == 200
    return tenant_id


async def buy(api, tenant_id, offer_id, key: str | None = None) -> httpx.Response:
    return await api.post(f"/internal/tenants/{tenant_id}/packages", json={"offer_id": offer_id},
                          params={"idempotency_key": key} if key else None)


async def test_a_package_pays_the_minutes_and_leaves_the_balance_alone(pool, api):
    offer_id = await offer(api, accelerator="ascend-910b", card_hours="10", price="50.00")
    tenant_id = await credited_tenant(api)
    bought = await buy(api, tenant_id, offer_id)
    assert bought.status_code == 201, bought.text
    package = bought.json()
    assert (package["unit"], package["granted"], package["remaining"], package["accelerator"]) == \
        ("card_hours", "10.00", "10.00", "ascend-910b")
    assert await tenant_balance(pool, tenant_id) == 50_000_000

    _, job_id, _ = await running_job(pool, 150, tenant_id=tenant_id)  # minutes 0..2
    assert await meter_and_rate(pool, job_id) == 3
    usage = (await api.get(f"/internal/tenants/{tenant_id}/usage", params={"job_id": str(job_id)})).json()
    assert [(i["amount"], i["package_id"], i["card_seconds"]) for i in usage["items"]] == [("0.00", package["id"], 60)] * 3
    assert usage["items"][0]["vendor_cost"] == "0.50" and usage["items"][0]["list_amount"] == "0.60"
    assert await tenant_balance(pool, tenant_id) == 50_000_000
    balance = (await api.get(f"/internal/tenants/{tenant_id}/balance")).json()
    assert balance["balance"] == "50.00" and balance["packages"][0]["remaining"] == "9.95"
    await assert_invariants(pool)


async def test_a_minute_splits_between_a_package_running_out_and_the_balance(pool, api):
    offer_id = await offer(api, accelerator="ascend-910b", card_hours="0.01", price="0.10")  # 36 card-seconds
    tenant_id = await credited_tenant(api)
    await buy(api, tenant_id, offer_id)
    _, job_id, _ = await running_job(pool, 70, tenant_id=tenant_id)  # minutes 0, 1
    await meter_and_rate(pool, job_id)
    rows = await pool.fetch("SELECT minute, amount, package_id FROM billing.charges WHERE job_id = $1 ORDER BY minute",
                            job_id)
    assert rows[0]["amount"] == PER_MINUTE * 24 // 60 and rows[0]["package_id"] is not None
    assert rows[1]["amount"] == PER_MINUTE and rows[1]["package_id"] is None
    assert (await api.get(f"/internal/tenants/{tenant_id}/packages")).json()["items"][0]["remaining"] == "0.00"
    low = await events_of(pool, "switchyard.billing.package_low.v1", tenant_id)
    assert len(low) == 1 and low[0]["remaining"] == 0 and low[0]["threshold_percent"] == 20
    await assert_invariants(pool)


async def test_buying_short_is_402_and_a_key_buys_once(pool, api):
    offer_id = await offer(api, credit="500.00", price="450.00", valid_days=90)
    poor = await credited_tenant(api, "10.00")
    short = await buy(api, poor, offer_id)
    assert short.status_code == 402 and short.headers["content-type"].startswith("application/problem+json")
    assert short.json()["available"] == "10.00"

    rich = await credited_tenant(api, "1000.00")
    first, again = await buy(api, rich, offer_id, "k-1"), await buy(api, rich, offer_id, "k-1")
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    assert again.headers.get("idempotent-replayed") == "true"
    assert await tenant_balance(pool, rich) == 550_000_000
    other = await api.post(f"/internal/tenants/{rich}/packages", json={"offer_id": str(uuid.uuid4())},
                           params={"idempotency_key": "k-1"})
    assert other.status_code == 409
    assert (await buy(api, rich, str(uuid.uuid4()))).status_code == 404


async def test_a_credit_with_the_same_key_counts_once(pool, api):
    tenant_id = uuid.uuid4()
    for _ in range(3):
        response = await api.post(f"/internal/tenants/{tenant_id}/credit", json={"amount": "7.00"},
                                  params={"idempotency_key": "topup-1"})
        assert response.json() == {"balance": "7.00", "currency": "CNY"}
    assert (await api.post(f"/internal/tenants/{tenant_id}/credit", json={"amount": "8.00"},
                           params={"idempotency_key": "topup-1"})).status_code == 409
    assert await pool.fetchval("SELECT count(*) FROM billing.idempotency_keys WHERE key = 'topup-1'") == 1


async def test_the_database_refuses_a_balance_below_the_overdraft(pool):
    tenant_id = uuid.uuid4()
    await commands.credit(pool, tenant_id, 1_000_000, POLICY)
    with pytest.raises(asyncpg.CheckViolationError, match="tenant_balance_within_overdraft"):
        await pool.execute("UPDATE billing.accounts SET balance = -1 WHERE account = $1", f"tenant:{tenant_id}")
    with pytest.raises(asyncpg.CheckViolationError, match="package_remaining_in_range"):
        await pool.execute("UPDATE billing.packages SET remaining = -1")


async def test_running_out_is_announced_once_owed_and_settled_by_the_next_top_up(pool, api):
    tenant_id, job_id, _ = await running_job(pool, 150, credit=1_000_000)  # 1.00 for 3 minutes at 0.60
    await meter_and_rate(pool, job_id)
    rows = await pool.fetch("SELECT amount, shortfall FROM billing.charges WHERE job_id = $1 ORDER BY minute", job_id)
    assert [tuple(r) for r in rows] == [(600_000, 0), (400_000, 200_000), (0, 600_000)]
    assert await tenant_balance(pool, tenant_id) == 0
    exhausted = await events_of(pool, "switchyard.billing.job_funds_exhausted.v1", job_id)
    assert len(exhausted) == 1 and exhausted[0]["minute"] == 1 and exhausted[0]["shortfall"] == 200_000
    stop_after = datetime.fromisoformat(exhausted[0]["stop_after"]) - datetime.fromisoformat(exhausted[0]["exhausted_at"])
    assert stop_after.total_seconds() == POLICY.grace_s
    assert len(await events_of(pool, "switchyard.billing.funds_exhausted.v1", tenant_id)) == 1
    assert (await api.get(f"/internal/tenants/{tenant_id}/balance")).json()["arrears"] == "0.80"

    await commands.credit(pool, tenant_id, 10_000_000, POLICY)
    assert await tenant_balance(pool, tenant_id) == 9_200_000  # 0.80 owed was paid first
    assert (await api.get(f"/internal/tenants/{tenant_id}/balance")).json()["arrears"] == "0.00"
    await pool.execute("UPDATE billing.metered_jobs SET next_minute_at = now() WHERE job_id = $1", job_id)
    await meter_and_rate(pool, job_id)
    restored = await events_of(pool, "switchyard.billing.job_funds_restored.v1", job_id)
    assert len(restored) == 1 and restored[0]["minute"] == 3
    await assert_invariants(pool)


async def test_funds_low_once_per_crossing(pool):
    # 1.00 a minute against a 10.00 top-up: 20 % left after 8 minutes, 10 % after 9.
    tenant_id, job_id, _ = await running_job(pool, 7 * 60 + 1, credit=10_000_000, vendor_price=50_000_000)
    await meter_and_rate(pool, job_id)  # minutes 0..7
    low = await events_of(pool, "switchyard.billing.funds_low.v1", tenant_id)
    assert [(e["threshold_percent"], e["available"], e["last_top_up"]) for e in low] == [(20, 2_000_000, 10_000_000)]
    await pool.execute("UPDATE billing.metered_jobs SET next_minute_at = now() WHERE job_id = $1", job_id)
    await meter_and_rate(pool, job_id)  # minute 8
    await meter_and_rate(pool, job_id)
    low = await events_of(pool, "switchyard.billing.funds_low.v1", tenant_id)
    assert [(e["threshold_percent"], e["available"]) for e in low] == [(20, 2_000_000), (10, 1_000_000)]


async def test_an_expired_package_is_announced_once_and_no_longer_used(pool, api):
    offer_id = await offer(api, accelerator="ascend-910b", card_hours="1", price="5.00")
    tenant_id = await credited_tenant(api)
    package_id = (await buy(api, tenant_id, offer_id)).json()["id"]
    await pool.execute("UPDATE billing.packages SET expires_at = now() - interval '1 second' WHERE id = $1",
                       uuid.UUID(package_id))
    await workers.housekeeping(pool, 48)
    await workers.housekeeping(pool, 48)
    expired = await events_of(pool, "switchyard.billing.package_expired.v1", tenant_id)
    assert len(expired) == 1 and expired[0]["remaining"] == 1_000_000 and expired[0]["unit"] == "card_hours"
    _, job_id, _ = await running_job(pool, 5, tenant_id=tenant_id)
    await meter_and_rate(pool, job_id)
    assert await pool.fetchval("SELECT package_id FROM billing.charges WHERE job_id = $1", job_id) is None


async def test_a_void_gives_the_minute_back_once_and_is_audited(pool, api):
    offer_id = await offer(api, accelerator="ascend-910b", card_hours="1", price="5.00")
    tenant_id = await credited_tenant(api)
    await buy(api, tenant_id, offer_id)
    _, job_id, _ = await running_job(pool, 70, tenant_id=tenant_id, vendor_price=30_000_000)
    await meter_and_rate(pool, job_id)
    charge = await pool.fetchrow("SELECT id, package_id FROM billing.charges WHERE job_id = $1 AND minute = 0", job_id)
    voided = await api.post(f"/internal/admin/charges/{charge['id']}/void", json={"reason": "vendor outage"})
    assert voided.status_code == 201, voided.text
    assert voided.json()["kind"] == "void" and voided.json()["reason"] == "vendor outage"
    assert (await api.post(f"/internal/admin/charges/{charge['id']}/void", json={"reason": "again"})).status_code == 409
    remaining = await pool.fetchval("SELECT remaining FROM billing.packages WHERE id = $1", charge["package_id"])
    assert remaining == 3600 - 60  # minute 1 still drawn, minute 0 given back
    audit = (await api.get("/internal/admin/audit", params={"tenant_id": str(tenant_id)})).json()["items"]
    assert audit[0]["action"] == "charge.void" and audit[0]["details"]["reason"] == "vendor outage"
    await assert_invariants(pool)


async def test_adjustments_credit_and_debit_within_the_overdraft(pool, api):
    tenant_id = await credited_tenant(api, "10.00")
    debit = await api.post(f"/internal/admin/tenants/{tenant_id}/adjustments", json={"amount": "-4.00", "reason": "fix"},
                           params={"idempotency_key": "adj-1"})
    assert debit.status_code == 201 and debit.json()["kind"] == "debit" and debit.json()["balance"] == "6.00"
    again = await api.post(f"/internal/admin/tenants/{tenant_id}/adjustments", json={"amount": "-4.00", "reason": "fix"},
                           params={"idempotency_key": "adj-1"})
    assert again.json()["id"] == debit.json()["id"]
    too_much = await api.post(f"/internal/admin/tenants/{tenant_id}/adjustments", json={"amount": "-7.00", "reason": "x"})
    assert too_much.status_code == 402
    refund = await api.post(f"/internal/admin/tenants/{tenant_id}/adjustments",
                            json={"amount": "2.50", "reason": "sorry", "kind": "refund"})
    assert refund.json()["balance"] == "8.50"
    bad = await api.post(f"/internal/admin/tenants/{tenant_id}/adjustments", json={"amount": "-1", "reason": "x",
                                                                                   "kind": "refund"})
    assert bad.status_code == 422
    await assert_invariants(pool)


async def test_statement_reconciles_in_json_and_csv(pool, api):
    tenant_id, job_id, _ = await running_job(pool, 70, credit=20_000_000)
    await meter_and_rate(pool, job_id)
    await api.post(f"/internal/admin/tenants/{tenant_id}/adjustments", json={"amount": "1.00", "reason": "goodwill"})
    month = datetime.now(UTC).strftime("%Y-%m")
    body = (await api.get(f"/internal/tenants/{tenant_id}/statements/{month}")).json()
    assert body["opening_balance"] == "0.00" and body["closing_balance"] == "19.80"
    assert [line["kind"] for line in body["lines"]] == ["credit", "usage", "adjustment"]
    total = sum(money.parse_amount(line["amount"], signed=True) for line in body["lines"])
    assert total == money.parse_amount(body["closing_balance"], signed=True)
    assert body["totals"]["usage"] == "-1.20"
    response = await api.get(f"/internal/tenants/{tenant_id}/statements/{month}", params={"format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    assert [r["kind"] for r in csv.DictReader(io.StringIO(response.text))] == ["credit", "usage", "adjustment"]
    assert (await api.get(f"/internal/tenants/{tenant_id}/statements/2026-13")).status_code == 422


async def test_grouped_usage(pool, api):
    tenant_id, job_id, _ = await running_job(pool, 70, credit=20_000_000, count=2)
    await meter_and_rate(pool, job_id)
    for group_by in ("job", "vendor", "accelerator", "day", "flavor"):
        body = (await api.get(f"/internal/tenants/{tenant_id}/usage", params={"group_by": group_by})).json()
        assert len(body["items"]) == 1 and body["total"]["amount"] == "1.20"
        assert body["items"][0]["card_hours"] == "0.066667" and body["items"][0]["minutes"] == 2
    assert (await api.get(f"/internal/tenants/{tenant_id}/usage", params={"group_by": "job"})).json()["items"][0]["key"] \
        == str(job_id)
    by_flavor = (await api.get(f"/internal/tenants/{tenant_id}/usage", params={"group_by": "flavor"})).json()
    assert by_flavor["items"][0]["key"].count("/") == 1  # vendor/flavor: two vendors may name a flavor alike


async def test_grouped_usage_of_one_job(pool, api):
    tenant_id, first, _ = await running_job(pool, 70, credit=20_000_000, count=2)
    _, second, _ = await running_job(pool, 130, tenant_id=tenant_id, count=1)
    await meter_and_rate(pool, first)
    await meter_and_rate(pool, second)
    everything = (await api.get(f"/internal/tenants/{tenant_id}/usage", params={"group_by": "vendor"})).json()
    only_first = (await api.get(f"/internal/tenants/{tenant_id}/usage",
                                params={"group_by": "vendor", "job_id": str(first)})).json()
    assert only_first["total"]["amount"] == "1.20" and only_first["items"][0]["minutes"] == 2
    assert everything["items"][0]["minutes"] == 5


async def test_placement_terms_count_packages_and_the_balance(pool, api):
    candidate = {"vendor": "modelarts", "flavor": "f1", "accelerator": "ascend-910b", "count": 1,
                 "vendor_price_per_hour": "30.00"}
    tenant_id = uuid.uuid4()

    async def terms(minutes: int) -> dict:
        answer = await api.post("/internal/placement-terms", json={
            "tenants": [str(tenant_id)], "minutes": minutes, "candidates": [candidate]})
        assert answer.status_code == 200, answer.text
        return answer.json()[str(tenant_id)][0]

    no = await terms(5)
    assert (no["admitted"], no["sell_price_per_minute"], no["covered_by"]) == (False, "0.60", None)
    await commands.credit(pool, tenant_id, 3_000_000, POLICY)
    assert (await terms(5))["admitted"] and not (await terms(6))["admitted"]  # 3.00 pays 5 minutes of 0.60
    offer_id = await offer(api, accelerator="ascend-910b", card_hours="1", price="1.00")
    package = (await buy(api, tenant_id, offer_id)).json()  # 2.00 left and 60 card-minutes
    covered = await terms(60)
    assert covered["admitted"] and covered["covered_by"] == package["id"]
    assert (await terms(0))["admitted"]  # admission off
    bad = await api.post("/internal/placement-terms", json={
        "tenants": [str(tenant_id)], "minutes": 5, "candidates": [candidate | {"vendor_price_per_hour": "-1"}]})
    assert bad.status_code == 422


async def test_the_price_book_prices_new_jobs_and_quotes(pool, api):
    put = await api.put("/internal/admin/price-book", json={
        "markup": {"default": "0.50", "vendors": {"modelarts": "0.10"}}, "overrides": {"modelarts/special": "99.00"}})
    assert put.status_code == 200, put.text
    try:
        assert (await api.get("/internal/admin/price-book")).json()["markup"]["vendors"] == {"modelarts": "0.10"}
        quotes = (await api.post("/internal/price-book/quote", json=[
            {"vendor": "modelarts", "flavor": "f1", "accelerator": "ascend-910b", "vendor_price_per_hour": "30.00"},
            {"vendor": "modelarts", "flavor": "special", "accelerator": "ascend-910b", "vendor_price_per_hour": "30.00"},
            {"vendor": "caip", "flavor": "m", "accelerator": "mlu370", "vendor_price_per_hour": "10.00"},
        ])).json()
        assert [(q["sell_price_per_hour"], q["rule"]) for q in quotes] == [
            ("33.00", "vendor"), ("99.00", "override"), ("15.00", "default")]
        _, job_id, _ = await running_job(pool, 5, credit=10_000_000)
        row = await pool.fetchrow("SELECT price_per_hour, price_rule FROM billing.metered_jobs WHERE job_id = $1", job_id)
        assert tuple(row) == (33_000_000, "vendor")
        bad = await api.put("/internal/admin/price-book", json={"markup": {"default": "-2"}})
        assert bad.status_code == 422
    finally:  # later tests in this module price with the default markup again
        await api.put("/internal/admin/price-book", json={"markup": {"default": "0.20"}})


async def test_margins_per_vendor_and_tenant(pool, api):
    _, job_id, _ = await running_job(pool, 5, credit=10_000_000)
    await meter_and_rate(pool, job_id)
    month = datetime.now(UTC).strftime("%Y-%m")
    body = (await api.get("/internal/admin/margins", params={"month": month})).json()
    total = body["total"]
    assert money.parse_amount(total["margin"], signed=True) == \
        money.parse_amount(total["revenue"], signed=True) - money.parse_amount(total["vendor_cost"], signed=True)
    assert {line["key"] for line in body["by_vendor"]} == {"modelarts"}
    assert sum(money.parse_amount(line["revenue"], signed=True) for line in body["by_tenant"]) == \
        money.parse_amount(total["revenue"], signed=True)
    days = body["by_vendor_day"]
    assert {(line["day"], line["key"]) for line in days} == {(datetime.now(UTC).date().isoformat(), "modelarts")}
    assert sum(line["minutes"] for line in days) == total["minutes"]
    assert sum(money.parse_amount(line["vendor_cost"], signed=True) for line in days) == \
        money.parse_amount(total["vendor_cost"], signed=True)


async def test_policy_overdraft_lets_the_balance_go_below_zero(pool):
    generous = Policy(overdraft=1_000_000)
    tenant_id, job_id, _ = await running_job(pool, 70, policy=generous)
    await meter_and_rate(pool, job_id, generous)
    rows = await pool.fetch("SELECT amount, shortfall FROM billing.charges WHERE job_id = $1 ORDER BY minute", job_id)
    assert [tuple(r) for r in rows] == [(600_000, 0), (400_000, 200_000)]
    assert await tenant_balance(pool, tenant_id) == -1_000_000


async def test_a_tenant_s_packages_and_the_offers_page_newest_first(api):
    offers = [await offer(api, credit="1.00", price="1.00") for _ in range(3)]
    tenant_id = await credited_tenant(api)
    bought = [(await buy(api, tenant_id, offers[0])).json()["id"] for _ in range(5)]
    pages, cursor = [], None
    while True:
        answer = (await api.get(f"/internal/tenants/{tenant_id}/packages",
                                params={"limit": 2, **({"cursor": cursor} if cursor else {})})).json()
        pages.append([p["id"] for p in answer["items"]])
        if not (cursor := answer["next_cursor"]):
            break
    assert [len(p) for p in pages] == [2, 2, 1] and sum(pages, []) == bought[::-1]
    newest = (await api.get("/internal/package-offers", params={"limit": 3})).json()
    assert [o["id"] for o in newest["items"]] == offers[::-1] and newest["next_cursor"] is not None
    forged = await api.get(f"/internal/tenants/{tenant_id}/packages", params={"cursor": "bm9wZQ"})
    assert forged.status_code == 400 and forged.json()["type"].endswith("/invalid-cursor")
