"""The event types webhooks and topics carry, each with the JSON schema of its body."""

from fastapi import APIRouter
from pydantic import BaseModel

from services.notifier.event_types import CATALOG, WEBHOOK_EVENT_TYPES

router = APIRouter()


class EventTypeList(BaseModel):
    items: list[dict]  # {"name", "description", "subscribable", "schema": JSON schema of the body}


@router.get("/internal/event-types")
async def event_types() -> EventTypeList:
    return EventTypeList(items=[
        {"name": info.name, "description": info.description,
         "subscribable": info.name in WEBHOOK_EVENT_TYPES, "schema": info.schema()}
        for info in CATALOG.values()
    ])
