"""Vendor adapters: one interface (`VendorAdapter`) in front of every AI-compute cloud."""

from __future__ import annotations

from collections.abc import Callable

from services.vendors.base import SubmitRequest, VendorAdapter, VendorFlavor, VendorJob
from services.vendors.errors import (
    AuthFailed,
    CapacityUnavailable,
    InvalidRequest,
    NotFound,
    QuotaExceeded,
    RateLimited,
    VendorError,
    VendorUnavailable,
    WrongState,
)
from services.vendors.modelarts import ModelArtsAdapter

# Each factory builds an adapter from its own settings (environment variables).
_ADAPTERS: dict[str, Callable[[], VendorAdapter]] = {
    ModelArtsAdapter.vendor: ModelArtsAdapter,
}


def make_adapter(vendor: str) -> VendorAdapter:
    """An adapter for `vendor`, configured from the environment (e.g. SWITCHYARD_MODELARTS_*)."""
    try:
        factory = _ADAPTERS[vendor]
    except KeyError:
        raise ValueError(f"unknown vendor {vendor!r}; known: {', '.join(sorted(_ADAPTERS))}") from None
    return factory()


__all__ = [
    "AuthFailed",
    "CapacityUnavailable",
    "InvalidRequest",
    "NotFound",
    "QuotaExceeded",
    "RateLimited",
    "SubmitRequest",
    "VendorAdapter",
    "VendorError",
    "VendorFlavor",
    "VendorJob",
    "VendorUnavailable",
    "WrongState",
    "make_adapter",
]
