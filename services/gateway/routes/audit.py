"""The audit log (admin token): every write an operator or a tenant's key made through an audited router
(`services/gateway/audit.py`), newest first, filtered by tenant, action and time."""

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from contracts.inputs import Text
from services.gateway.auth import require_admin
from services.gateway.cursor import decode_id_cursor, encode_id_cursor
from services.gateway.routes.deps import pool
from services.gateway.store import audit
from services.gateway.written_time import WrittenTimestamp

router = APIRouter(prefix="/v1/admin/audit", tags=["admin"], dependencies=[Depends(require_admin)])


class AuditRecordOut(BaseModel):
    id: int
    at: datetime
    actor: str = Field(description='"operator", or the id of the tenant\'s API key that acted')
    action: str = Field(description="the route's name: create_tenant, suspend_tenant, create_api_key, ...")
    method: str
    target: str = Field(description="the request path")
    tenant_id: uuid.UUID | None
    status: int = Field(description="the answer's HTTP status")
    details: dict[str, Any] = Field(description="path parameters, query, an accepted small body without secrets, "
                                                "the id of what was created")


class AuditList(BaseModel):
    items: list[AuditRecordOut]
    next_cursor: str | None


@router.get("", response_model=AuditList)
async def list_audit(
    request: Request,
    tenant_id: uuid.UUID | None = None,
    action: Annotated[Text | None, Query(max_length=200)] = None,
    from_: Annotated[WrittenTimestamp | None, Query(alias="from")] = None,
    to: WrittenTimestamp | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> AuditList:
    """Newest first; `from` inclusive, `to` exclusive (a time without a zone is UTC)."""
    from_, to = (t.replace(tzinfo=UTC) if t is not None and t.tzinfo is None else t for t in (from_, to))
    rows = await audit.page(pool(request), limit=limit + 1, before_id=decode_id_cursor(cursor) if cursor else None,
                            tenant_id=tenant_id, action=action, from_=from_, to=to)
    next_cursor = encode_id_cursor(rows[limit - 1]["id"]) if len(rows) > limit else None
    return AuditList(items=[AuditRecordOut(**dict(r)) for r in rows[:limit]], next_cursor=next_cursor)
