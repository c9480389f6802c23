"""The paging parameters of the listings the gateway forwards (webhooks, deliveries, topics, subscriptions,
event types, packages, package offers): `limit` and `cursor`, checked here and passed on; the service that owns
the rows reads the cursor (a forged one is its 400 problem, relayed)."""

from services.common.cursor import Cursor, Limit

__all__ = ["Cursor", "Limit", "paging"]


def paging(limit: int, cursor: str | None) -> dict[str, str | int]:
    """The query parameters that ask the owning service for that page."""
    return {"limit": limit} | ({"cursor": cursor} if cursor else {})
