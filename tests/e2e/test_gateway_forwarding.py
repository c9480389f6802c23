"""What the gateway answers for billing and the notifier: public paths in relayed problems, the headers a
client needs (Idempotent-Replayed), and the one amount grammar at the public door."""

import uuid

import pytest

from contracts.money import AMOUNT_PATTERN
from tests.e2e.test_walking_skeleton import training

pytestmark = pytest.mark.e2e

PROBLEM_JSON = "application/problem+json"
BAD_AMOUNTS = ["1_000", "\uff15", "\u0665", "+5", " 5 ", ".5", "5.", "-5", "1.1234567", "1e3"]


def assert_problem(response, status: int, path: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert body["status"] == status and body["instance"] == path
    return body


@pytest.mark.parametrize("bad", BAD_AMOUNTS)
def test_a_bad_amount_on_a_credit_is_a_422_problem_and_credits_nothing(admin, tenant, bad):
    path = f"/v1/admin/tenants/{tenant.tenant_id}/credit"
    body = assert_problem(admin.post(path, json={"amount": bad}), 422, path)
    assert [e["location"] for e in body["errors"]] == ["body.amount"]
    assert tenant.get("/v1/balance").json()["balance"] == "100.00"


def test_the_openapi_document_shows_the_amount_grammar(admin):
    schemas = admin.get("/openapi.json").json()["components"]["schemas"]
    assert schemas["CreditIn"]["properties"]["amount"]["pattern"] == AMOUNT_PATTERN


@pytest.mark.parametrize("bad", ["\uff13\uff10", "\u0663\u0660.00", "+30", " 30", ".5", "3_0"])
def test_a_bad_max_price_per_hour_is_a_422_problem(tenant, bad):
    spec = training("pricey") | {"placement": {"max_price_per_hour": bad}}
    body = assert_problem(tenant.post("/v1/jobs", json=spec), 422, "/v1/jobs")
    assert [e["location"] for e in body["errors"]] == ["placement.max_price_per_hour"]


def test_a_billing_404_through_the_gateway_names_the_public_path(admin):
    path = f"/v1/admin/charges/{uuid.uuid4()}/void"
    body = assert_problem(admin.post(path, json={"reason": "no such charge"}), 404, path)
    assert body["detail"] == "No charge with that id."


def test_a_billing_409_through_the_gateway_names_the_public_path(admin, tenant):
    path = f"/v1/admin/tenants/{tenant.tenant_id}/credit"
    key = {"Idempotency-Key": str(uuid.uuid4())}
    assert admin.post(path, json={"amount": "1.00"}, headers=key).status_code == 200
    body = assert_problem(admin.post(path, json={"amount": "2.00"}, headers=key), 409, path)
    assert "Idempotency-Key" in body["detail"]


def test_a_notifier_404_through_the_gateway_names_the_public_path(tenant):
    path = f"/v1/webhooks/{uuid.uuid4()}"
    assert_problem(tenant.get(path), 404, path)


def test_a_replayed_credit_says_so_and_credits_once(admin, tenant):
    path = f"/v1/admin/tenants/{tenant.tenant_id}/credit"
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = admin.post(path, json={"amount": "5.00"}, headers=key)
    again = admin.post(path, json={"amount": "5.00"}, headers=key)
    assert first.status_code == again.status_code == 200
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json() == {"balance": "105.00", "currency": "CNY"}
    assert tenant.get("/v1/balance").json()["balance"] == "105.00"
