"""What the audit trail records of a request (`services/gateway/audit.py`): no secrets, a body only when it was
accepted and small, the outcome's status from the answer or the refusal, nothing PostgreSQL cannot store."""

import json
import uuid
from types import SimpleNamespace

from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request

from services.common.problems import Problem
from services.gateway import audit

TENANT = uuid.uuid4()


def request(path: str, body: dict | bytes, *, path_params=None, query=b"", actor="operator") -> Request:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()

    async def receive():
        return {"type": "http.request", "body": raw, "more_body": False}
    scope = {"type": "http", "method": "POST", "path": path, "raw_path": path.encode(), "query_string": query,
             "headers": [], "path_params": path_params or {}, "route": SimpleNamespace(name="create_api_key"),
             "state": {"actor": actor}}
    return Request(scope, receive)


async def test_an_accepted_body_is_kept_without_fields_named_like_secrets():
    entry = await audit.entry(request("/v1/api-keys", {"name": "ci", "api_key": "sy_live_x", "webhook_secret": "s"}),
                              201, created_id=TENANT)
    assert entry.details == {"body": {"name": "ci"}, "created_id": str(TENANT)}
    assert (entry.actor, entry.action, entry.method, entry.target, entry.status) == (
        "operator", "create_api_key", "POST", "/v1/api-keys", 201)


async def test_a_refused_or_large_body_is_not_kept():
    refused = await audit.entry(request("/v1/api-keys", {"name": "\u0000"}), 422)
    assert "body" not in refused.details
    body = {"x": "y" * audit.MAX_BODY_RECORDED}
    large = await audit.entry(request("/v1/admin/price-book", body), 200)
    assert large.details == {"body_bytes": len(json.dumps(body))}


async def test_the_tenant_comes_from_the_path_and_what_cannot_be_stored_is_replaced():
    entry = await audit.entry(request(f"/v1/admin/tenants/{TENANT}/suspend\x00", b"",
                                      path_params={"tenant_id": str(TENANT)}, query=b"a=%00"), 200)
    assert entry.tenant_id == TENANT and "\x00" not in entry.target
    assert entry.details["query"] == {"a": "\ufffd"}
    not_an_id = await audit.entry(request("/v1/admin/tenants/x/suspend", b"", path_params={"tenant_id": "x"}), 422)
    assert not_an_id.tenant_id is None


def test_a_refusal_is_recorded_with_the_status_it_answers():
    assert audit.status_of(Problem(409, "Last API key")) == 409
    assert audit.status_of(RequestValidationError([])) == 422
    assert audit.status_of(HTTPException(405)) == 405
    assert audit.status_of(RuntimeError()) == 500
