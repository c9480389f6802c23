"""Multi-node training and data-aware placement through the whole stack: a two-node ModelArts job billed for both
nodes, a job reading OBS data placed only on ModelArts however cheap another vendor is, a quote that explains
every flavor it leaves out, and a queued job that says what its last try left out."""

from decimal import Decimal

import pytest

from contracts.money import format_amount, multiply, parse_amount
from tests.e2e.helpers import amount, expected_minutes, job_in, per_minute_price, vendor_price, wait_for
from tests.e2e.test_walking_skeleton import training

pytestmark = pytest.mark.e2e

TWO_CARDS = "modelarts.bm.snt9.xlarge.2"  # 2 x ascend-910b a node, up to 2 nodes (max_num)
ASCEND = ("modelarts.vm.snt9.1card", TWO_CARDS, "modelarts.vm.snt9.8card")
OBS_DATA = {"name": "data", "uri": "obs://e2e-bucket/imagenet/", "mount": "/data/imagenet"}


def two_nodes(name: str, **env: str) -> dict:
    return training(name, **env) | {"resources": {"accelerator": "ascend-910b", "count": 1, "nodes": 2}}


def charges(client, job_id: str, minutes: int) -> list[dict]:
    def charged():
        items = [i for i in client.get("/v1/usage", params={"job_id": job_id}).json()["items"] if i["kind"] == "charge"]
        return items if len(items) == minutes else None
    return wait_for(charged, what=f"{minutes} charges of job {job_id}")


def test_a_two_node_job_is_billed_for_both_nodes_and_draws_card_hours_for_both(tenant, admin):
    quoted = tenant.post("/v1/quotes", json=two_nodes("quoted")).json()
    assert quoted["items"][0]["flavor"] == TWO_CARDS  # the one-card flavor runs one node only
    assert {"vendor": "modelarts", "flavor": "modelarts.vm.snt9.1card", "reason": "too_few_nodes"} in quoted["excluded"]
    one_node = per_minute_price(vendor_price(TWO_CARDS))
    assert parse_amount(quoted["items"][0]["price_per_hour"]["amount"]) == 2 * one_node * 60

    job_id = tenant.post("/v1/jobs", json=two_nodes("two-nodes", SWITCHYARD_SIM_RUN_SECONDS="2")).json()["id"]
    job = job_in(tenant, job_id, "SUCCEEDED", "FAILED")
    assert (job["status"], job["flavor"], job["resources"]["nodes"]) == ("SUCCEEDED", TWO_CARDS, 2)
    minutes = expected_minutes(job)
    items = charges(tenant, job_id, minutes)
    assert {amount(i["amount"]) for i in items} == {2 * one_node}  # twice the one-node price, every minute
    assert all(i["card_seconds"] == 2 * 2 * 60 for i in items)  # the flavor's 2 cards on each of 2 nodes
    assert amount(tenant.get(f"/v1/jobs/{job_id}").json()["cost"]["amount"]) == 2 * one_node * minutes

    offer = admin.post("/v1/admin/package-offers", json={
        "name": "910B two nodes", "accelerator": "ascend-910b", "card_hours": "10", "price": "10.00",
        "valid_days": 30}).json()
    package = tenant.post("/v1/packages", json={"offer_id": offer["id"]}).json()
    job_id = tenant.post("/v1/jobs", json=two_nodes("on-package", SWITCHYARD_SIM_RUN_SECONDS="2")).json()["id"]
    minutes = expected_minutes(job_in(tenant, job_id, "SUCCEEDED", "FAILED"))
    items = charges(tenant, job_id, minutes)
    assert {(i["package_id"], i["card_seconds"]) for i in items} == {(package["id"], 240)}
    remaining = next(p for p in tenant.get("/v1/balance").json()["packages"] if p["id"] == package["id"])["remaining"]
    drawn = Decimal(minutes * 240) / 3600  # card-hours for both nodes
    assert amount(remaining) == parse_amount("10") - parse_amount(f"{drawn:.6f}")


def test_a_job_reading_obs_data_runs_on_modelarts_even_when_another_vendor_is_cheaper(tenant, admin):
    cpu = training("cpu") | {"resources": {"accelerator": "cpu", "count": 0}}
    items = tenant.post("/v1/quotes", json=cpu).json()["items"]
    cheapest_modelarts = min(amount(i["price_per_hour"]["amount"]) for i in items if i["vendor"] == "modelarts")
    other = next(i for i in items if i["vendor"] != "modelarts")
    book = admin.get("/v1/admin/price-book").json()
    cheaper = format_amount(cheapest_modelarts // 2)
    overrides = book["overrides"] | {f"{other['vendor']}/{other['flavor']}": cheaper}
    assert admin.put("/v1/admin/price-book", json={"markup": book["markup"], "overrides": overrides}).status_code == 200
    try:
        first = wait_for(lambda: (q := tenant.post("/v1/quotes", json=cpu).json()["items"])[0]["vendor"] != "modelarts"
                         and q[0], what="another vendor quoted cheapest")
        assert (first["vendor"], first["flavor"]) == (other["vendor"], other["flavor"])

        with_data = cpu | {"inputs": [OBS_DATA]}
        quoted = tenant.post("/v1/quotes", json=with_data).json()
        assert quoted["items"] and {i["vendor"] for i in quoted["items"]} == {"modelarts"}
        assert {"vendor": other["vendor"], "flavor": other["flavor"], "reason": "data_elsewhere"} in quoted["excluded"]

        job_id = tenant.post("/v1/jobs", json=with_data | {"env": {"SWITCHYARD_SIM_RUN_SECONDS": "1"}}).json()["id"]
        job = job_in(tenant, job_id, "SUCCEEDED", "FAILED")
        assert (job["status"], job["vendor"]) == ("SUCCEEDED", "modelarts")
        tried = {e["detail"]["vendor"] for e in tenant.get(f"/v1/jobs/{job_id}/events").json()["items"]
                 if e["type"] == "attempt"}
        assert tried == {"modelarts"}  # never even tried elsewhere
    finally:
        admin.put("/v1/admin/price-book", json={"markup": book["markup"], "overrides": book["overrides"]})


def test_an_ended_job_shows_where_it_wrote_its_outputs(tenant):
    outputs = [{"name": "ckpt", "uri": "obs://e2e-bucket/runs/", "mount": "/data/out"}]
    job_id = tenant.post("/v1/jobs", json=training("outputs", SWITCHYARD_SIM_RUN_SECONDS="1")
                         | {"outputs": outputs}).json()["id"]
    assert tenant.get(f"/v1/jobs/{job_id}").json()["outputs"] in ([], outputs)
    assert job_in(tenant, job_id, "SUCCEEDED", "FAILED")["outputs"] == outputs


def expected_reason(flavor: dict, spec: dict) -> str | None:
    """The reason the quote should give for `flavor` (as GET /v1/flavors lists it), computed here on its own."""
    resources, rules = spec["resources"], spec["placement"]
    nodes = resources.get("nodes", 1)
    if flavor["accelerator"] != resources["accelerator"] or flavor["count"] < resources["count"]:
        return "no_such_accelerator"
    if flavor["max_nodes"] < nodes:
        return "too_few_nodes"
    if flavor["vendor"] in rules.get("exclude_vendors", []):
        return "vendor_excluded"
    if multiply(amount(flavor["price_per_hour"]["amount"]), Decimal(nodes)) > amount(rules["max_price_per_hour"]):
        return "over_max_price"
    if not flavor["available"]:
        return "sold_out"
    return None


def test_a_quote_explains_every_flavor_it_leaves_out(tenant, admin):
    flavors = tenant.get("/v1/flavors").json()["items"]
    cpu = sorted((f for f in flavors if f["accelerator"] == "cpu" and f["max_nodes"] >= 2),
                 key=lambda f: amount(f["price_per_hour"]["amount"]))
    # Leave out the vendor of the cheapest multi-node CPU flavor, and cap the price (for both nodes) a cent under
    # the dearest of the other vendors' (a quote's price is rounded to the micro-unit).
    others = [f for f in cpu if f["vendor"] != cpu[0]["vendor"]]
    assert others, cpu
    ceiling = format_amount(amount(others[-1]["price_per_hour"]["amount"]) * 2 - 10_000)
    spec = training("explained") | {"resources": {"accelerator": "cpu", "count": 0, "nodes": 2},
                                    "placement": {"exclude_vendors": [cpu[0]["vendor"]], "max_price_per_hour": ceiling}}
    quoted = tenant.post("/v1/quotes", json=spec).json()
    explained = {(e["vendor"], e["flavor"]): e["reason"] for e in quoted["excluded"]}
    listed = {(i["vendor"], i["flavor"]) for i in quoted["items"]}
    for flavor in flavors:
        key = (flavor["vendor"], flavor["flavor"])
        reason = expected_reason(flavor, spec)
        if reason is None:
            assert key in listed, key
        else:
            assert explained.get(key) == reason, (key, reason, explained.get(key))
    assert {"no_such_accelerator", "too_few_nodes", "vendor_excluded", "over_max_price"} <= set(explained.values())

    # A tenant who cannot pay the first minute has every remaining candidate left out for funds.
    drained = admin.post(f"/v1/admin/tenants/{tenant.tenant_id}/adjustments",
                         json={"amount": "-100.00", "reason": "e2e: nothing left to pay with"})
    assert drained.status_code == 201, drained.text
    broke = tenant.post("/v1/quotes", json=spec).json()
    assert broke["items"] == []
    assert {(e["vendor"], e["flavor"]) for e in broke["excluded"] if e["reason"] == "funds"} == listed


def test_a_queued_job_says_what_its_last_try_left_out(tenant, modelarts_faults):
    modelarts_faults(sold_out=list(ASCEND))
    job_id = tenant.post("/v1/jobs", json=training("kept-out", SWITCHYARD_SIM_RUN_SECONDS="1")).json()["id"]

    def explained():
        job = tenant.get(f"/v1/jobs/{job_id}").json()
        return job if job["queue"] and job["queue"]["excluded"] else None
    queued = wait_for(explained, what="the queued job's exclusions")
    assert queued["queue"]["reason"] == "no_capacity"
    reasons = {(e["vendor"], e["flavor"]): e["reason"] for e in queued["queue"]["excluded"]}
    assert all(reasons[("modelarts", flavor)] == "sold_out" for flavor in ASCEND)
    assert {reason for key, reason in reasons.items() if key[1] not in ASCEND} == {"no_such_accelerator"}

    modelarts_faults()  # capacity is back: the job starts and its queue (with what it left out) goes
    done = job_in(tenant, job_id, "SUCCEEDED", "FAILED", timeout_s=90)
    assert done["status"] == "SUCCEEDED" and done["queue"] is None
