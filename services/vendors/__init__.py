"""Vendor adapters: one interface (`VendorAdapter`) in front of every AI-compute cloud.

Each vendor is the package `services.vendors.<vendor>`, which exposes `Adapter`, its VendorAdapter class, built
from that vendor's own settings (environment variables SWITCHYARD_<VENDOR>_*). Every package has the same files,
as the vendor needs them: `adapter` (the class), `settings`, `auth` (login, signing), `errors` (its code table),
`status` (its status words), `wire` (request bodies, answers, time formats) and `catalog` (its flavors). Beside
the packages, what they share: `base` (the interface), `errors` (the typed errors and the one error-body reader),
`paging`, `tokens`, `transport` (the HTTP transport and `send`).
"""

from __future__ import annotations

import importlib

from services.vendors.base import SubmitRequest, VendorAdapter, VendorFlavor, VendorJob
from services.vendors.errors import (
    AuthFailed,
    CapacityUnavailable,
    InvalidRequest,
    LogsUnsupported,
    MetricsUnsupported,
    NotFound,
    QuotaExceeded,
    RateLimited,
    VendorError,
    VendorUnavailable,
    WrongState,
)
from services.vendors.metrics import instrument

KNOWN_VENDORS = ("modelarts", "caip", "qizhi", "aispace")


def make_adapter(vendor: str) -> VendorAdapter:
    """An adapter for `vendor`, configured from the environment (e.g. SWITCHYARD_MODELARTS_*), its calls counted
    and timed (`services.vendors.metrics`)."""
    if vendor not in KNOWN_VENDORS:
        raise ValueError(f"unknown vendor {vendor!r}; known: {', '.join(KNOWN_VENDORS)}")
    return instrument(importlib.import_module(f"services.vendors.{vendor}").Adapter())


__all__ = [
    "AuthFailed",
    "CapacityUnavailable",
    "InvalidRequest",
    "KNOWN_VENDORS",
    "LogsUnsupported",
    "MetricsUnsupported",
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
