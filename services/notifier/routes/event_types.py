"""The event types webhooks and topics carry, each with the JSON schema of its body, in the catalog's order and
paged like every listing (the cursor holds the last name of the previous page)."""

from fastapi import APIRouter
from pydantic import BaseModel

from services.common.cursor import Cursor, Limit, decode_keys, encode_keys, invalid_cursor
from services.notifier.event_types import CATALOG, WEBHOOK_EVENT_TYPES

router = APIRouter()


class EventTypeList(BaseModel):
    items: list[dict]  # {"name", "description", "subscribable", "schema": JSON schema of the body}
    next_cursor: str | None = None


def _start(cursor: str | None, names: list[str]) -> int:
    if cursor is None:
        return 0
    match decode_keys(cursor):
        case [str() as name] if name in CATALOG:
            return names.index(name) + 1
    raise invalid_cursor()


@router.get("/internal/event-types")
async def event_types(limit: Limit = 100, cursor: Cursor = None) -> EventTypeList:
    names = list(CATALOG)
    start = _start(cursor, names)
    chosen = names[start:start + limit]
    return EventTypeList(
        items=[{"name": info.name, "description": info.description,
                "subscribable": info.name in WEBHOOK_EVENT_TYPES, "schema": info.schema()}
               for info in (CATALOG[name] for name in chosen)],
        next_cursor=encode_keys(chosen[-1]) if start + limit < len(names) else None,
    )
