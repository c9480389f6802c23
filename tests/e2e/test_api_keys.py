"""API keys with a lifecycle, tenant suspension and the audit log, through the whole stack: keys made, listed,
used and revoked (refused on the very next request), expiry, the operator's tenants and keys, a suspended
tenant's queued job held by the scheduler until the resume, and every one of those actions in the audit log."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from tests.e2e.helpers import job_in, wait_for
from tests.e2e.test_placement import EIGHT_CARDS, ONE_CARD, TWO_CARDS
from tests.e2e.test_walking_skeleton import training

pytestmark = pytest.mark.e2e


def sql(stack, query: str, *args):
    """One query on the stack's database (for what the API does not show: a key's expiry moved, the queue)."""
    async def run():
        conn = await asyncpg.connect(stack.env["SWITCHYARD_DATABASE_URL"])
        try:
            return await conn.fetch(query, *args)
        finally:
            await conn.close()
    return asyncio.run(run())


def client_with(stack, api_key: str) -> httpx.Client:
    return httpx.Client(base_url=stack.gateway, headers={"Authorization": f"Bearer {api_key}"}, timeout=10)


def all_items(client, path="/v1/api-keys", limit=1, **params) -> list[dict]:
    """Every item of a listing, `limit` a page, following next_cursor to the end."""
    items, cursor = [], None
    while True:
        page = client.get(path, params=params | {"limit": limit} | ({"cursor": cursor} if cursor else {}))
        assert page.status_code == 200, page.text
        assert len(page.json()["items"]) <= limit
        items += page.json()["items"]
        if (cursor := page.json()["next_cursor"]) is None:
            return items


def test_a_tenant_makes_lists_uses_and_deletes_its_keys(stack, tenant):
    made = tenant.post("/v1/api-keys", json={"name": "ci"})
    assert made.status_code == 201, made.text
    ci = made.json()
    assert ci["api_key"].startswith("sy_live_") and ci["prefix"] == ci["api_key"][:14]
    assert ci["name"] == "ci" and ci["expires_at"] is None and ci["last_used_at"] is None

    with client_with(stack, ci["api_key"]) as ci_client:
        assert ci_client.get("/v1/jobs").status_code == 200
        listed = all_items(tenant)  # one key per page, to the end
        assert [k["name"] for k in listed] == ["ci", "default"]
        assert all("api_key" not in k for k in listed)
        assert listed[0]["prefix"] == ci["prefix"] and listed[0]["last_used_at"] is not None

        deleted = tenant.delete(f"/v1/api-keys/{ci['id']}")
        assert deleted.status_code == 204, deleted.text
        refused = ci_client.get("/v1/jobs")  # the very next request
        assert refused.status_code == 401 and refused.headers["content-type"] == "application/problem+json"
        assert [k["name"] for k in all_items(tenant)] == ["default"]

    last = tenant.delete(f"/v1/api-keys/{listed[1]['id']}")
    assert last.status_code == 409 and last.json()["type"].endswith("/last-api-key")
    assert tenant.get("/v1/jobs").status_code == 200
    assert tenant.delete(f"/v1/api-keys/{uuid.uuid4()}").status_code == 404
    assert tenant.post("/v1/api-keys", json={"name": "x", "scope": "all"}).status_code == 422


def test_an_expired_key_is_refused_and_a_key_cannot_be_made_expired(stack, tenant):
    past = tenant.post("/v1/api-keys", json={"name": "old", "expires_at": "2020-01-01T00:00:00Z"})
    assert past.status_code == 422 and past.json()["errors"][0]["location"] == "body.expires_at"
    naive = tenant.post("/v1/api-keys", json={"name": "naive", "expires_at": "2999-01-01T00:00:00"})
    assert naive.status_code == 422

    expires = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)
    made = tenant.post("/v1/api-keys", json={"name": "short", "expires_at": expires.isoformat()})
    assert made.status_code == 201, made.text
    assert datetime.fromisoformat(made.json()["expires_at"]) == expires
    with client_with(stack, made.json()["api_key"]) as short:
        assert short.get("/v1/jobs").status_code == 200
        # The hour passes: the expiry is moved into the past, as the clock would have.
        sql(stack, "UPDATE gateway.api_keys SET expires_at = now() - interval '1 second' WHERE id = $1",
            uuid.UUID(made.json()["id"]))
        refused = short.get("/v1/jobs")
        assert refused.status_code == 401 and "expired" in refused.json()["detail"]
    # An expired key is not active: the tenant's default key is still its last one.
    assert tenant.delete(f"/v1/api-keys/{made.json()['id']}").status_code == 204


def test_the_operator_lists_tenants_and_issues_lists_and_revokes_their_keys(stack, admin, tenant):
    tenants = []
    cursor = None
    while True:
        page = admin.get("/v1/admin/tenants", params={"limit": 2} | ({"cursor": cursor} if cursor else {})).json()
        tenants += page["items"]
        if (cursor := page["next_cursor"]) is None:
            break
    assert len({t["id"] for t in tenants}) == len(tenants)
    mine = next(t for t in tenants if t["id"] == tenant.tenant_id)
    assert mine["status"] == "active" and mine["limits"] == {"max_concurrent_jobs": None,
                                                             "max_concurrent_accelerators": None}
    assert admin.get(f"/v1/admin/tenants/{tenant.tenant_id}").json() == mine
    assert admin.get(f"/v1/admin/tenants/{uuid.uuid4()}").status_code == 404

    issued = admin.post(f"/v1/admin/tenants/{tenant.tenant_id}/api-keys", json={"name": "rescue"})
    assert issued.status_code == 201, issued.text
    with client_with(stack, issued.json()["api_key"]) as rescue:
        assert rescue.get("/v1/jobs").status_code == 200
    keys = all_items(admin, f"/v1/admin/tenants/{tenant.tenant_id}/api-keys")
    assert sorted(k["name"] for k in keys) == ["default", "rescue"]
    for key in keys:  # the operator may revoke the last key too
        assert admin.delete(f"/v1/admin/tenants/{tenant.tenant_id}/api-keys/{key['id']}").status_code == 204
    assert tenant.get("/v1/jobs").status_code == 401
    assert admin.get(f"/v1/admin/tenants/{tenant.tenant_id}/api-keys").json()["items"] == []
    assert tenant.get("/v1/api-keys", headers={"Authorization": "Bearer e2e-admin-token"}).status_code == 401


@pytest.fixture
def witness(stack, admin):
    """Another tenant, whose job shows the dispatcher placing while the first tenant is suspended."""
    created = admin.post("/v1/admin/tenants", json={"name": f"witness-{uuid.uuid4().hex[:6]}"}).json()
    assert admin.post(f"/v1/admin/tenants/{created['id']}/credit", json={"amount": "100.00"}).status_code == 200
    with client_with(stack, created["api_key"]) as client:
        yield client


def placement_of(stack, job_id: str):
    rows = sql(stack, "SELECT state, COALESCE(next_try_at <= now(), true) AS due FROM scheduler.placements WHERE job_id = $1",
               uuid.UUID(job_id))
    return rows[0] if rows else None


def test_a_suspended_tenant_is_refused_and_its_queued_job_waits_until_the_resume(
        stack, admin, tenant, witness, modelarts_faults):
    on_modelarts = {"placement": {"vendors": ["modelarts"]}}
    modelarts_faults(sold_out=[ONE_CARD, TWO_CARDS, EIGHT_CARDS])
    held = tenant.post("/v1/jobs", json=training("held", SWITCHYARD_SIM_RUN_SECONDS="1") | on_modelarts).json()["id"]
    wait_for(lambda: (j := tenant.get(f"/v1/jobs/{held}").json())["queue"] and j, what="queued, no capacity")

    suspended = admin.post(f"/v1/admin/tenants/{tenant.tenant_id}/suspend")
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
    refused = tenant.get(f"/v1/jobs/{held}")
    assert refused.status_code == 403 and refused.json()["type"].endswith("/tenant-suspended")
    assert admin.post(f"/v1/admin/tenants/{tenant.tenant_id}/suspend").json()["status"] == "suspended"

    modelarts_faults()  # capacity is back: only the suspension holds the job now
    # Once the held job is due again, a job of another tenant submitted later is placed: the dispatcher claimed
    # after the held job was due, and passed it over.
    wait_for(lambda: (p := placement_of(stack, held)) and p["due"], what="the held job due again")
    other = witness.post("/v1/jobs", json=training("witness", SWITCHYARD_SIM_RUN_SECONDS="1") | on_modelarts)
    job_in(witness, other.json()["id"], "RUNNING", "SUCCEEDED")
    assert placement_of(stack, held)["state"] == "queued"

    resumed = admin.post(f"/v1/admin/tenants/{tenant.tenant_id}/resume")
    assert resumed.status_code == 200 and resumed.json()["status"] == "active"
    assert job_in(tenant, held, "SUCCEEDED", "FAILED")["status"] == "SUCCEEDED"


def test_every_operator_and_key_action_is_in_the_audit_log(stack, admin, tenant):
    started = datetime.now(UTC)  # after the tenant's creation and credit, before everything below
    made = tenant.post("/v1/api-keys", json={"name": "audited"}).json()
    assert tenant.delete(f"/v1/api-keys/{made['id']}").status_code == 204
    assert tenant.delete(f"/v1/api-keys/{uuid.uuid4()}").status_code == 404
    admin.post(f"/v1/admin/tenants/{tenant.tenant_id}/suspend")
    admin.post(f"/v1/admin/tenants/{tenant.tenant_id}/resume")
    admin.put(f"/v1/admin/tenants/{tenant.tenant_id}/limits", json={"max_concurrent_jobs": 3})
    issued = admin.post(f"/v1/admin/tenants/{tenant.tenant_id}/api-keys", json={"name": "ops"}).json()
    admin.delete(f"/v1/admin/tenants/{tenant.tenant_id}/api-keys/{issued['id']}")

    records = all_items(admin, "/v1/admin/audit", limit=3, tenant_id=tenant.tenant_id)
    by_action = [(r["action"], r["status"]) for r in reversed(records)]  # oldest first
    assert by_action == [
        ("create_tenant", 201), ("credit_tenant", 200), ("create_api_key", 201), ("delete_api_key", 204),
        ("delete_api_key", 404), ("suspend_tenant", 200), ("resume_tenant", 200), ("set_limits", 200),
        ("issue_tenant_api_key", 201), ("revoke_tenant_api_key", 204),
    ]
    default_key_id = all_items(tenant)[0]["id"]
    actors = {r["action"]: r["actor"] for r in records}
    assert actors["create_api_key"] == default_key_id and actors["suspend_tenant"] == "operator"
    created = next(r for r in records if r["action"] == "create_api_key")
    assert created["details"]["created_id"] == made["id"] and created["details"]["body"] == {"name": "audited"}
    assert created["target"] == "/v1/api-keys"
    assert not any(made["api_key"] in str(r) or issued["api_key"] in str(r) for r in records)  # no secrets

    suspends = admin.get("/v1/admin/audit", params={"action": "suspend_tenant", "tenant_id": tenant.tenant_id,
                                                    "from": started.isoformat()}).json()["items"]
    assert [r["target"] for r in suspends] == [f"/v1/admin/tenants/{tenant.tenant_id}/suspend"]
    before = admin.get("/v1/admin/audit", params={"tenant_id": tenant.tenant_id, "to": started.isoformat()})
    assert [r["action"] for r in before.json()["items"]] == ["credit_tenant", "create_tenant"]
    assert admin.get("/v1/admin/audit", params={"from": "0001-01-01T00:00:00+14:00"}).status_code == 422
    assert admin.get("/v1/admin/audit", params={"cursor": "nope"}).status_code == 400
    assert tenant.get("/v1/admin/audit").status_code == 401
