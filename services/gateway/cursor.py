"""Opaque keyset cursors for list endpoints."""

import base64
import json
import uuid
from datetime import datetime

from contracts.inputs import storable_datetime
from services.common.problems import Problem


def encode_cursor(created_at: datetime, id_: uuid.UUID) -> str:
    raw = json.dumps([created_at.isoformat(), str(id_)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, id_ = json.loads(raw)
        # A forged cursor may hold any time: one without a UTC value cannot be compared with created_at.
        return storable_datetime(datetime.fromisoformat(created_at)), uuid.UUID(id_)
    except (ValueError, TypeError):
        raise Problem(400, "Invalid cursor", "The cursor is not one this API returned.", type_="invalid-cursor") from None


def encode_id_cursor(id_: int) -> str:
    """A cursor over rows numbered by a bigserial id (the dead letters)."""
    return base64.urlsafe_b64encode(json.dumps([id_]).encode()).decode().rstrip("=")


def decode_id_cursor(cursor: str) -> int:
    try:
        (id_,) = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(id_, int) or isinstance(id_, bool):
            raise TypeError
        return id_
    except (ValueError, TypeError):
        raise Problem(400, "Invalid cursor", "The cursor is not one this API returned.", type_="invalid-cursor") from None
