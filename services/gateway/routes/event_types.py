"""The event types webhooks and topics carry, with their payload schemas, answered by the notifier."""

from fastapi import APIRouter, Request, Response

from services.gateway.openapi import UPSTREAM_UNAVAILABLE
from services.gateway.paging import Cursor, Limit, paging
from services.gateway.proxy import forward
from services.gateway.routes.deps import Tenant, internal, settings

router = APIRouter(prefix="/v1/event-types", tags=["webhooks"], responses=UPSTREAM_UNAVAILABLE)


@router.get("", responses={200: {"description": '{"items": [{"name", "description", "subscribable", "schema"}, '
                                                 '...], "next_cursor"}'}})
async def list_event_types(request: Request, tenant_id: Tenant, limit: Limit = 100,
                           cursor: Cursor = None) -> Response:
    """Every type with its description and the JSON schema of its body `{"type", "timestamp", "data"}`."""
    return await forward(internal(request), "GET", f"{settings(request).notifier_url}/internal/event-types",
                         params=paging(limit, cursor))
