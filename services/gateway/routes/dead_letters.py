"""Dead letters (admin token): the events a relay could not publish and the messages a consumer could not
apply, from the shared `dead_letters` schema. The operator lists them, publishes one again or drops it."""

import base64
import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from services.common import dead_letters
from services.common.problems import Problem
from services.common.unit_of_work import unit_of_work
from services.gateway.audit import AuditedRoute
from services.gateway.auth import require_admin
from services.gateway.cursor import decode_id_cursor, encode_id_cursor
from services.gateway.routes.deps import not_found, pool

router = APIRouter(prefix="/v1/admin/dead-letters", tags=["admin"], dependencies=[Depends(require_admin)],
                   route_class=AuditedRoute)

PREVIEW_CHARS = 512


class DeadLetterOut(BaseModel):
    id: int
    origin: Literal["outbox", "consumer"] = Field(description="outbox: never published; consumer: not applied")
    service: str
    consumer_group: str | None = None
    topic: str
    partition: int | None = None
    offset: int | None = None
    event_id: uuid.UUID | None = None
    event_type: str | None = None
    key: str | None = None
    headers: dict[str, str]
    error: str
    attempts: int
    parked_at: datetime
    payload_bytes: int
    payload_preview: str = Field(description=f"the payload's first {PREVIEW_CHARS} characters")


class DeadLetterDetail(DeadLetterOut):
    payload_base64: str = Field(description="the payload exactly as it was (or would have been) on the wire")


class DeadLetterList(BaseModel):
    items: list[DeadLetterOut]
    next_cursor: str | None = None


class Republished(BaseModel):
    id: int
    topic: str
    partition: int
    offset: int


def _out(row, model=DeadLetterOut):
    payload = bytes(row["payload"])
    extra = {"payload_base64": base64.b64encode(payload).decode()} if model is DeadLetterDetail else {}
    return model(
        id=row["id"], origin=row["origin"], service=row["service"], consumer_group=row["consumer_group"],
        topic=row["topic"], partition=row["kafka_partition"], offset=row["kafka_offset"], event_id=row["event_id"],
        event_type=row["event_type"], key=row["key"].decode(errors="replace") if row["key"] is not None else None,
        headers=row["headers"], error=row["error"], attempts=row["attempts"], parked_at=row["parked_at"],
        payload_bytes=len(payload), payload_preview=payload[:PREVIEW_CHARS * 4].decode(errors="replace")[:PREVIEW_CHARS],
        **extra,
    )


@router.get("", response_model=DeadLetterList)
async def list_dead_letters(request: Request, limit: Annotated[int, Query(ge=1, le=200)] = 50,
                            cursor: str | None = None) -> DeadLetterList:
    """Oldest first."""
    rows = await dead_letters.page(pool(request), limit=limit + 1,
                                   after_id=decode_id_cursor(cursor) if cursor else None)
    next_cursor = encode_id_cursor(rows[limit - 1]["id"]) if len(rows) > limit else None
    return DeadLetterList(items=[_out(row) for row in rows[:limit]], next_cursor=next_cursor)


@router.get("/{dead_letter_id}", response_model=DeadLetterDetail)
async def get_dead_letter(dead_letter_id: int, request: Request) -> DeadLetterDetail:
    row = await dead_letters.get(pool(request), dead_letter_id)
    if row is None:
        raise not_found("dead letter")
    return _out(row, DeadLetterDetail)


@router.post("/{dead_letter_id}/retry", response_model=Republished)
async def retry_dead_letter(dead_letter_id: int, request: Request) -> Republished:
    """Publish the message again, as it was, to its topic, and drop the dead letter once the broker took it.
    An outbox event goes out for the first time; a consumer's message is consumed again by its group,
    and the other groups, which applied it already, skip it through their inbox."""
    producer = request.app.state.runtime.producer
    if producer is None:
        raise Problem(503, "Cannot publish", "This gateway has no Kafka producer.", type_="publish-unavailable")
    async with unit_of_work(pool(request)) as conn:
        row = await dead_letters.get(conn, dead_letter_id, lock=True)  # one retry at a time per dead letter
        if row is None:
            raise not_found("dead letter")
        record = dead_letters.record_of(row)
        try:
            ack = await producer.send(record.topic, value=record.payload, key=record.key,
                                      headers=[(k, v.encode()) for k, v in record.headers.items()])
            metadata = await ack
        except Exception as exc:  # the dead letter stays; the operator sees why
            raise Problem(502, "Publish failed", f"The broker did not take the message: {exc!r}",
                          type_="publish-failed") from None
        await dead_letters.delete(conn, dead_letter_id)
    return Republished(id=dead_letter_id, topic=metadata.topic, partition=metadata.partition, offset=metadata.offset)


@router.delete("/{dead_letter_id}", status_code=204)
async def drop_dead_letter(dead_letter_id: int, request: Request) -> Response:
    async with unit_of_work(pool(request)) as conn:
        if not await dead_letters.delete(conn, dead_letter_id):
            raise not_found("dead letter")
    return Response(status_code=204)
