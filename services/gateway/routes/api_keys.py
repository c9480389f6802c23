"""API keys: a tenant makes, lists and deletes its own (`/v1/api-keys`, with one of its keys); the operator does the
same for any tenant (`/v1/admin/tenants/{tenant_id}/api-keys`, admin token). A new key is shown once; only its
hash and its prefix are kept. A deleted key is refused from the next request on, on every replica."""

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from contracts.inputs import Text, storable_datetime
from services.common.problems import Problem
from services.common.unit_of_work import unit_of_work
from services.gateway import keys
from services.gateway.audit import AuditedRoute, record_in
from services.gateway.auth import require_admin
from services.gateway.cursor import decode_cursor, encode_cursor
from services.gateway.routes.deps import Tenant, issue_api_key, not_found, pool
from services.gateway.store import api_keys, tenants

router = APIRouter(prefix="/v1/api-keys", tags=["api keys"], route_class=AuditedRoute)
admin_router = APIRouter(prefix="/v1/admin/tenants/{tenant_id}/api-keys", tags=["admin"],
                         dependencies=[Depends(require_admin)], route_class=AuditedRoute)


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=200, examples=["ci"])
    expires_at: Annotated[AwareDatetime, AfterValidator(storable_datetime)] | None = Field(
        None, description="with a time zone, in the future; null = never", examples=["2027-06-30T00:00:00Z"])


class ApiKeyOut(BaseModel):
    id: uuid.UUID
    name: str
    prefix: str | None = Field(description="the key's first characters, to recognise it; null for a key made "
                                           "before prefixes were kept")
    created_at: datetime
    last_used_at: datetime | None = Field(description="to the minute: a key's use is written at most once a minute")
    expires_at: datetime | None


class NewApiKeyOut(ApiKeyOut):
    api_key: str = Field(description="shown once; only its hash is stored")


class ApiKeyList(BaseModel):
    items: list[ApiKeyOut]
    next_cursor: str | None


def _out(row) -> ApiKeyOut:
    return ApiKeyOut(id=row["id"], name=row["name"], prefix=row["prefix"], created_at=row["created_at"],
                     last_used_at=row["last_used_at"], expires_at=row["expires_at"])


def _check_expiry(body: ApiKeyIn) -> None:
    if (error := keys.expiry_error(body.expires_at, datetime.now(UTC))) is not None:
        raise Problem(422, "Invalid request", "The request body or parameters are invalid.", type_="invalid-request",
                      errors=[{"location": "body.expires_at", "message": error, "type": "value_error"}])


async def _create(request: Request, tenant_id: uuid.UUID, body: ApiKeyIn) -> NewApiKeyOut:
    _check_expiry(body)
    async with unit_of_work(pool(request)) as conn:
        if await tenants.tenant(conn, tenant_id) is None:
            raise not_found("tenant")
        row, api_key = await issue_api_key(conn, tenant_id, body.name, body.expires_at)
        await record_in(conn, request, 201, row["id"])
    return NewApiKeyOut(**_out(row).model_dump(), api_key=api_key)


async def _list(request: Request, tenant_id: uuid.UUID, limit: int, cursor: str | None) -> ApiKeyList:
    after = decode_cursor(cursor) if cursor else None
    rows = await api_keys.list_keys(pool(request), tenant_id, limit + 1, after)
    next_cursor = encode_cursor(rows[limit - 1]["created_at"], rows[limit - 1]["id"]) if len(rows) > limit else None
    return ApiKeyList(items=[_out(r) for r in rows[:limit]], next_cursor=next_cursor)


async def _revoke(request: Request, tenant_id: uuid.UUID, key_id: uuid.UUID, *, by_operator: bool) -> Response:
    async with unit_of_work(pool(request)) as conn:
        # The tenant's row lock makes two deletes of its last two keys go one after the other.
        if await tenants.tenant(conn, tenant_id, for_update=True) is None:
            raise not_found("tenant")
        key = await api_keys.key_for_update(conn, tenant_id, key_id)
        if key is None:
            raise not_found("API key")
        active = keys.is_active(key["expires_at"], key["revoked_at"], datetime.now(UTC))
        if not by_operator and not keys.may_delete(await api_keys.count_active(conn, tenant_id), active):
            raise Problem(409, "Last API key", "This is the tenant's last active API key; make another first "
                          "(or have an operator revoke it).", type_="last-api-key")
        await api_keys.revoke(conn, key_id)
        await record_in(conn, request, 204)
    return Response(status_code=204)


@router.post("", status_code=201, response_model=NewApiKeyOut)
async def create_api_key(body: ApiKeyIn, request: Request, tenant_id: Tenant) -> NewApiKeyOut:
    """A new key for the calling tenant; the key is in this answer only."""
    return await _create(request, tenant_id, body)


@router.get("", response_model=ApiKeyList)
async def list_api_keys(request: Request, tenant_id: Tenant, limit: Annotated[int, Query(ge=1, le=200)] = 50,
                        cursor: str | None = None) -> ApiKeyList:
    """The tenant's keys (expired ones too, until deleted), newest first."""
    return await _list(request, tenant_id, limit, cursor)


@router.delete("/{key_id}", status_code=204)
async def delete_api_key(key_id: uuid.UUID, request: Request, tenant_id: Tenant) -> Response:
    """Revoke a key at once. The tenant's last active key cannot be deleted (409 `last-api-key`)."""
    return await _revoke(request, tenant_id, key_id, by_operator=False)


@admin_router.post("", status_code=201, response_model=NewApiKeyOut)
async def issue_tenant_api_key(tenant_id: uuid.UUID, body: ApiKeyIn, request: Request) -> NewApiKeyOut:
    """Issue a key for a tenant (one that lost its keys, say); the key is in this answer only."""
    return await _create(request, tenant_id, body)


@admin_router.get("", response_model=ApiKeyList)
async def list_tenant_api_keys(tenant_id: uuid.UUID, request: Request,
                               limit: Annotated[int, Query(ge=1, le=200)] = 50,
                               cursor: str | None = None) -> ApiKeyList:
    if not await tenants.tenant_exists(pool(request), tenant_id):
        raise not_found("tenant")
    return await _list(request, tenant_id, limit, cursor)


@admin_router.delete("/{key_id}", status_code=204)
async def revoke_tenant_api_key(tenant_id: uuid.UUID, key_id: uuid.UUID, request: Request) -> Response:
    """Revoke any of the tenant's keys at once, its last one too."""
    return await _revoke(request, tenant_id, key_id, by_operator=True)
