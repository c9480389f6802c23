"""The list endpoints' shared query vocabulary: `limit`/`offset`/`sort`, array and boolean
parameters, and the `{metadata: ListMeta, items}` envelope."""

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from starlette.datastructures import QueryParams

from services.vendorsim.caip.errors import invalid

T = TypeVar("T")

# The doc's sort examples are `+name` and `-date`; [EXT] clients send `-created_at`.
DATE_SORT_KEYS = frozenset({"date", "created_at", "createdAt", "creationTimestamp"})


class QueryArgs:
    """Typed reads of a request's query string; a malformed value is a 400."""

    def __init__(self, params: QueryParams) -> None:
        self._params = params

    def text(self, name: str) -> str | None:
        value = self._params.get(name)
        return value or None

    def many(self, name: str) -> list[str]:
        """An `array of string` parameter: repeated (`status=A&status=B`) and/or comma-separated."""
        return [part.strip() for value in self._params.getlist(name) for part in value.split(",") if part.strip()]

    def flag(self, name: str) -> bool | None:
        value = self._params.get(name)
        if value is None or value == "":
            return None
        if value.lower() in ("true", "1"):
            return True
        if value.lower() in ("false", "0"):
            return False
        raise invalid(f"{name} must be true or false")

    def without_paging(self) -> tuple[tuple[str, str], ...]:
        """The query but `limit` and `offset`: what the pages of one walk share."""
        return tuple(sorted((k, v) for k, v in self._params.multi_items() if k not in ("limit", "offset")))

    def integer(self, name: str, default: int) -> int:
        value = self._params.get(name)
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except ValueError:
            raise invalid(f"{name} must be an integer") from None
        if number < 0:
            raise invalid(f"{name} must be >= 0")
        return number


def sort_items(items: Sequence[T], sort: str | None, keys: dict[str, Callable[[T], Any]]) -> list[T]:
    """`sort=+field|-field` (no sign: ascending); default newest first. `keys` must hold "date"."""
    if not sort:
        return sorted(items, key=keys["date"], reverse=True)
    descending = sort.startswith("-")
    field = sort.lstrip("+-").strip()
    key = keys.get("date" if field in DATE_SORT_KEYS else field)
    if key is None:
        raise invalid(f"sort field {field!r} is not supported")
    return sorted(items, key=key, reverse=descending)


def page(items: Sequence[T], args: QueryArgs, *, default_limit: int, offset_mode: Literal["item", "page"]) -> list[T]:
    """`limit` items from `offset`; limit=0 means all ([EXT]). `offset` counts items or pages."""
    limit = args.integer("limit", default_limit)
    offset = args.integer("offset", 0)
    if limit == 0:
        return list(items)
    first = offset * limit if offset_mode == "page" else offset
    return list(items[first : first + limit])


def envelope(total: int, statuses: Iterable[str], items: list[dict[str, Any]]) -> dict[str, Any]:
    """`{metadata: ListMeta{total, status: {status: count}}, items}`."""
    return {"metadata": {"total": total, "status": dict(Counter(statuses))}, "items": items}


def rfc3339(epoch_s: float) -> str:
    """Kubernetes-style timestamps ([EXT] clients parse RFC 3339), whole seconds."""
    return datetime.fromtimestamp(epoch_s, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
