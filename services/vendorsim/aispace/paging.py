"""The document's two list styles.

Cube Studio style (LLM tasks, images, projects, datasets; [INFER] also notebooks, services and training jobs):
`form_data` = JSON with `page` (from 0), `page_size`, `filters: [{col, opr, value}]` and `str_related` (spelt
`str_relate` for projects and datasets), sent URL-encoded in the query string or as a JSON body. The answer is
`{count, data[]}`, newest (highest id) first.

Gateway style (resource packages, storage): a JSON body with `pageSize` and `pageNum` (from 1). The answer is
`{size, current, total, totalPage, list[]}`.
"""

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from services.vendorsim.aispace.wire import invalid

Row = Mapping[str, Any]

# `rel_o_m` (one-to-many relation) is the documented one besides `eq`; the rest are Flask-AppBuilder's [INFER].
_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda have, want: _text(have) == _text(want),
    "rel_o_m": lambda have, want: _text(have) == _text(want),
    "neq": lambda have, want: _text(have) != _text(want),
    "ct": lambda have, want: _text(want).lower() in _text(have).lower(),
    "sw": lambda have, want: _text(have).lower().startswith(_text(want).lower()),
    "ew": lambda have, want: _text(have).lower().endswith(_text(want).lower()),
    "gt": lambda have, want: _text(have) > _text(want),
    "lt": lambda have, want: _text(have) < _text(want),
}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return "" if value is None else str(value)


@dataclass(frozen=True)
class FormData:
    page: int = 0
    page_size: int = 10
    filters: list[tuple[str, str, Any]] = field(default_factory=list)
    str_related: bool = False


def parse_form_data(query_value: str | None, body: Any) -> FormData:
    """`form_data` from the query string, else from a JSON body (upstream accepts either)."""
    raw: Any = body if isinstance(body, dict) and body else {}
    if query_value:
        try:
            raw = json.loads(query_value)
        except ValueError:
            raise invalid("form_data is not valid JSON") from None
    if isinstance(raw, dict) and isinstance(raw.get("form_data"), (dict, str)):
        inner = raw["form_data"]
        raw = json.loads(inner) if isinstance(inner, str) else inner
    if not isinstance(raw, dict):
        raise invalid("form_data must be a JSON object")
    page = _non_negative_int(raw.get("page", 0), "page")
    page_size = _non_negative_int(raw.get("page_size", 10), "page_size")
    if page_size < 1:
        raise invalid("page_size must be at least 1")
    filters = []
    for item in raw.get("filters") or []:
        if not isinstance(item, dict) or "col" not in item:
            raise invalid("each filter needs col, opr and value")
        operator = str(item.get("opr") or "eq")
        if operator not in _OPERATORS:
            raise invalid(f"unsupported filter operator {operator!r}")
        filters.append((str(item["col"]), operator, item.get("value")))
    related = raw.get("str_related", raw.get("str_relate", 0))
    return FormData(page=page, page_size=page_size, filters=filters, str_related=_text(related) in ("1", "true"))


def cube_page(rows: list[Row], form: FormData, aliases: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Filter, order by id descending and cut one page: `{count, data}`.

    `aliases` maps a filter column onto the row key holding it (e.g. a service's `service_name` onto `name`).
    """
    aliases = aliases or {}
    matching = [row for row in rows if all(_matches(row, col, op, value, aliases) for col, op, value in form.filters)]
    matching.sort(key=lambda row: row["id"], reverse=True)
    first = form.page * form.page_size
    return {"count": len(matching), "data": matching[first : first + form.page_size]}


def leading_equal(form: FormData, column: str) -> str | None:
    """The value the first filter wants `column` to equal, if the first filter is `column eq value`: rows
    with another value fail it before any other filter is looked at, so a caller may drop them before it
    builds their views (a look-up by name then costs one view, not one per row)."""
    if form.filters and form.filters[0][:2] == (column, "eq"):
        return _text(form.filters[0][2])
    return None


def _matches(row: Row, column: str, operator: str, value: Any, aliases: Mapping[str, str]) -> bool:
    key = aliases.get(column, column)
    if key not in row:
        raise invalid(f"unknown filter column {column!r}")
    return _OPERATORS[operator](row[key], value)


def gateway_page(rows: list[Row], body: Any) -> dict[str, Any]:
    """`pageSize` + `pageNum` (from 1), both required [DOC]."""
    if not isinstance(body, dict):
        raise invalid("the body must be a JSON object")
    size = _non_negative_int(body.get("pageSize"), "pageSize")
    number = _non_negative_int(body.get("pageNum"), "pageNum")
    if size < 1 or number < 1:
        raise invalid("pageSize and pageNum start at 1")
    first = (number - 1) * size
    return {
        "size": size,
        "current": number,
        "total": len(rows),
        "totalPage": math.ceil(len(rows) / size),
        "list": rows[first : first + size],
    }


def _non_negative_int(value: Any, name: str) -> int:
    """The document's numbers drift between int and string."""
    try:
        number = int(str(value))
    except ValueError:
        raise invalid(f"{name} must be an integer") from None
    if number < 0:
        raise invalid(f"{name} must not be negative")
    return number
