"""A time in a request is ISO 8601 text, as the OpenAPI says (`format: date-time`). Pydantic also reads a number
as seconds since the epoch (`?to=0.5`, `"since": 1700000000`), which the schema does not offer: such a value is a
client's mistake, and answering for a moment of 1970 would hide it."""

import re
from typing import Annotated, Any

from pydantic import BeforeValidator

from contracts.inputs import Timestamp

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def refuse_epoch_number(value: Any) -> Any:
    """`value` unchanged, or a ValueError when it is a number (or a number written as text)."""
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value.strip())):
        raise ValueError("a time is written in ISO 8601, e.g. 2026-11-30T12:00:00Z")
    return value


WrittenTimestamp = Annotated[Timestamp, BeforeValidator(refuse_epoch_number)]
