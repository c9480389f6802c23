"""Reading request bodies whose field names and types drift (the document's tables and examples disagree)."""

import json
import re
from typing import Any

from services.vendorsim.aispace.wire import invalid

_GPU = re.compile(r"^\s*(\d+)\s*(?:\(\s*([^)]*?)\s*\))?\s*$")
_MEMORY = re.compile(r"^\s*(\d+)\s*(?:G|GB|Gi)?\s*$", re.IGNORECASE)


def body_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise invalid("the body must be a JSON object")
    return body


def require(body: dict[str, Any], names: tuple[str, ...], may_be_empty: tuple[str, ...] = ("describe",)) -> None:
    """Every field of a table's required ("是") list; descriptions may be blank."""
    missing = [n for n in names if n not in body or (body[n] in (None, "") and n not in may_be_empty)]
    if missing:
        raise invalid(f"missing required fields: {', '.join(missing)}")


def first(body: dict[str, Any], *names: str, required: bool = True) -> Any:
    """The value of the first alias present (e.g. `resourceId` / `resource_id`)."""
    for name in names:
        if body.get(name) not in (None, ""):
            return body[name]
    if required:
        raise invalid(f"{' or '.join(names)} is required")
    return None


def text(body: dict[str, Any], *names: str, required: bool = True) -> str:
    value = first(body, *names, required=required)
    return "" if value is None else str(value)


def integer(body: dict[str, Any], *names: str, required: bool = True, default: int = 0) -> int:
    """Ids and counts come as ints or numeric strings (`projectId: "41"`, `maas: "44"`)."""
    value = first(body, *names, required=required)
    if value is None:
        return default
    if isinstance(value, bool):
        raise invalid(f"{names[0]} must be an integer")
    try:
        return int(str(value))
    except ValueError:
        raise invalid(f"{names[0]} must be an integer") from None


def json_object(body: dict[str, Any], *names: str, required: bool = True) -> dict[str, Any]:
    """`args`, `framework_config`, `expand`: a JSON object, or that object as a JSON string."""
    value = first(body, *names, required=required)
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise invalid(f"{names[0]} must be a JSON object (or its JSON text)") from None
    if not isinstance(value, dict):
        raise invalid(f"{names[0]} must be a JSON object")
    return value


def int_list(body: dict[str, Any], name: str) -> list[int]:
    """`dataset_ids`: a JSON array as a string ("[115]"), or the array."""
    value = first(body, name)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise invalid(f"{name} must be a JSON array") from None
    if not isinstance(value, list) or not all(isinstance(v, int) or str(v).isdigit() for v in value):
        raise invalid(f"{name} must be an array of ids")
    return [int(v) for v in value]


def gpu(value: Any) -> tuple[int, str]:
    """ "2(H800)" -> (2, "H800"); "0" or 0 -> (0, "")."""
    match = _GPU.match(str(value))
    if match is None:
        raise invalid(f"resource_gpu {value!r} must look like 1(H800) or 0")
    return int(match[1]), match[2] or ""


def memory_gb(value: Any) -> int:
    """ "100", "100G", 4 -> GB."""
    match = _MEMORY.match(str(value))
    if match is None:
        raise invalid(f"resource_memory {value!r} must be a number of GB such as 100 or 100G")
    return int(match[1])


def cpu(value: Any) -> int:
    try:
        cores = int(str(value).strip())
    except ValueError:
        raise invalid(f"resource_cpu {value!r} must be a whole number of cores") from None
    if cores < 0:
        raise invalid("resource_cpu must not be negative")
    return cores
