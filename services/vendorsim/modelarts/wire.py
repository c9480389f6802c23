"""Small helpers for the documented wire formats: times, numbers from queries and bodies, list envelopes."""

import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from services.vendorsim.modelarts.errors import ModelArtsError, invalid

_BEIJING = timezone(timedelta(hours=8))


def ms(seconds: float) -> int:
    """Epoch seconds -> epoch milliseconds (the doc's Long timestamps)."""
    return int(round(seconds * 1000))


def iso_z(epoch_s: float) -> str:
    """IAM's `expires_at` form: `2019-02-13T06:52:13.855000Z`."""
    return datetime.fromtimestamp(epoch_s, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def rfc3339_beijing(epoch_s: float) -> str:
    """Training events' form: `2022-11-26T16:03:41+08:00`."""
    return datetime.fromtimestamp(epoch_s, _BEIJING).isoformat(timespec="seconds")


def object_field(parent: dict[str, Any], key: str, *, required: bool) -> dict[str, Any]:
    value = parent.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise invalid(f"{key} must be an object.")
    return value


def int_value(
    value: Any, name: str, *, minimum: int, maximum: int | None = None, error: ModelArtsError | None = None
) -> int:
    """An integer within bounds; query strings are accepted as well as JSON numbers."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum or (
        maximum is not None and value > maximum
    ):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        raise error or invalid(f"{name} must be an integer {bound}.")
    return value


def int_field(body: dict[str, Any], key: str, *, default: int, minimum: int, maximum: int | None = None) -> int:
    return int_value(body.get(key, default), key, minimum=minimum, maximum=maximum)


def record_page(items: list[Any], offset: int, limit: int | None) -> dict[str, Any]:
    """The v1 notebook envelope `{current, data, pages, size, total}`; `offset` counts records."""
    total = len(items)
    size = limit if limit is not None else max(total, 1)
    page = items[offset : offset + size]
    return {
        "current": offset // size + 1,
        "data": page,
        "pages": max(1, math.ceil(total / size)),
        "size": size,
        "total": total,
    }
