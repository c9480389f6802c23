"""Input types for request bodies and query parameters: only values PostgreSQL (and Python) can store.

A string with a NUL character cannot go into a `text` or `jsonb` column, and one with a lone surrogate
(`"\\ud800"` in JSON) cannot be encoded as UTF-8 at all; an aware datetime at the edge of the calendar
(`0001-01-01T00:00:00+14:00`) has no UTC value Python can hold; an integer past 2**31 - 1 does not fit an
`integer` column. Each is refused here, as a validation error (a 422 problem), before it reaches a store.
"""

import math
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field

INT32_MAX = 2**31 - 1


def storable_text(value: str) -> str:
    """`value` unchanged, or a ValueError when PostgreSQL cannot store it."""
    if "\x00" in value:
        raise ValueError("text cannot hold a NUL character (U+0000)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text cannot hold a lone surrogate (U+D800 to U+DFFF)") from None
    return value


def storable_json(value: Any) -> Any:
    """A JSON value whose every string and key is storable text (a `jsonb` column refuses \\u0000) and whose
    every number is finite (Python reads `NaN` and `Infinity`, which `jsonb` refuses). Walked with a stack, not
    recursion, so a deeply nested value is refused or kept, never a RecursionError."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            storable_text(item)
        elif isinstance(item, float) and not math.isfinite(item):
            raise ValueError("a JSON number must be finite (no NaN or Infinity)")
        elif isinstance(item, dict):
            for key in item:
                storable_text(key)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return value


def storable_datetime(value: datetime) -> datetime:
    """An aware datetime in UTC, or a ValueError when it has none (a naive one is kept as it is: the
    caller decides whether it needs a zone)."""
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time is outside years 1 to 9999 once shifted to UTC") from None


Text = Annotated[str, AfterValidator(storable_text)]
"""A string PostgreSQL can store: no NUL, no lone surrogate."""

Json = Annotated[Any, AfterValidator(storable_json)]
"""Any JSON value whose strings and keys are all `Text`."""

Timestamp = Annotated[datetime, AfterValidator(storable_datetime)]
"""A datetime that has a UTC value (aware ones are returned in UTC)."""

Int32 = Annotated[int, Field(ge=-INT32_MAX - 1, le=INT32_MAX)]
"""An integer that fits a PostgreSQL `integer` column."""
