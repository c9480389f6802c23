"""Operator endpoints (admin token)."""

import uuid

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from services.gateway import store
from services.gateway.auth import hash_api_key, new_api_key, require_admin
from services.gateway.proxy import forward
from services.gateway.routes.deps import internal, not_found, pool, settings

router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[Depends(require_admin)])


class TenantIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class TenantOut(BaseModel):
    id: uuid.UUID
    name: str
    api_key: str = Field(description="shown once; only its hash is stored")


class CreditIn(BaseModel):
    amount: str = Field(examples=["100.00"])


@router.post("/tenants", status_code=201, response_model=TenantOut)
async def create_tenant(body: TenantIn, request: Request) -> TenantOut:
    api_key = new_api_key()
    tenant_id = await store.create_tenant(pool(request), body.name, hash_api_key(api_key))
    return TenantOut(id=tenant_id, name=body.name, api_key=api_key)


@router.post("/tenants/{tenant_id}/credit", responses={200: {"description": '{"balance", "currency"}'}})
async def credit_tenant(tenant_id: uuid.UUID, body: CreditIn, request: Request) -> Response:
    if not await store.tenant_exists(pool(request), tenant_id):
        raise not_found("tenant")
    return await forward(internal(request), "POST", f"{settings(request).billing_url}/internal/tenants/{tenant_id}/credit",
                         json=body.model_dump())
