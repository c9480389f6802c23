"""Opaque keyset cursors for list endpoints, one style on every listing: the last row's (created_at, id), base64url
JSON. A cursor this API did not return is a 400 `invalid-cursor` problem, never a 500."""

import base64
import json
import uuid
from datetime import datetime
from typing import Annotated

from fastapi import Query

from contracts.inputs import Text, storable_datetime
from services.common.problems import Problem

# The paging parameters of every listing (the gateway checks them, and the service that owns the rows again).
Limit = Annotated[int, Query(ge=1, le=100, description="items per page")]
Cursor = Annotated[Text | None, Query(max_length=1024, description="the previous page's next_cursor")]


def invalid_cursor() -> Problem:
    return Problem(400, "Invalid cursor", "The cursor is not one this API returned.", type_="invalid-cursor")


def encode_keys(*keys: str | int) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(keys)).encode()).decode().rstrip("=")


def decode_keys(cursor: str) -> list:
    """The keys a cursor holds, or a 400 problem; the caller checks their types."""
    try:
        keys = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError):
        raise invalid_cursor() from None
    if not isinstance(keys, list):
        raise invalid_cursor()
    return keys


def encode_cursor(created_at: datetime, id_: uuid.UUID) -> str:
    return encode_keys(created_at.isoformat(), str(id_))


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        created_at, id_ = decode_keys(cursor)
        # A forged cursor may hold any time: one without a UTC value cannot be compared with created_at.
        return storable_datetime(datetime.fromisoformat(created_at)), uuid.UUID(id_)
    except (ValueError, TypeError, AttributeError):
        raise invalid_cursor() from None


def decode_optional(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    """The last row of the previous page, or None for the first page."""
    return decode_cursor(cursor) if cursor else None


def page(rows: list, limit: int, *, at: str = "created_at") -> tuple[list, str | None]:
    """The first `limit` of `rows` (fetched with one more than `limit`, which tells whether another page exists)
    and the cursor after them, None on the last page; `at` names the rows' time column."""
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], encode_cursor(rows[limit - 1][at], rows[limit - 1]["id"])
