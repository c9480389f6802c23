"""Every vendor call counted, timed and traced, by vendor, operation (the adapter method: submit, get,
list_active, ...) and outcome, in whichever process makes it (the scheduler and the watcher)."""

import asyncio
import functools
import inspect
import re
import time

from opentelemetry.trace import SpanKind
from prometheus_client import Counter, Histogram

from services.common.tracing import span
from services.vendors.base import VendorAdapter
from services.vendors.errors import VendorError

VENDOR_REQUESTS = Counter("switchyard_vendor_requests_total", "Calls to a vendor's API through its adapter.",
                          ["vendor", "operation", "outcome"])
VENDOR_DURATION = Histogram("switchyard_vendor_request_duration_seconds",
                            "Time an adapter call took, its retries and token refreshes included.",
                            ["vendor", "operation"],
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))

# The interface's calls (every public coroutine of VendorAdapter but closing it).
OPERATIONS = tuple(name for name, member in vars(VendorAdapter).items()
                   if inspect.iscoroutinefunction(member) and not name.startswith("_") and name != "aclose")


def outcome_of(error: BaseException | None) -> str:
    """`ok`, or the typed error in snake case (`capacity_unavailable`, `vendor_unavailable`, ...); `unsupported`
    for a call the adapter does not offer, `cancelled` for a call given up on, `error` for anything else."""
    if error is None:
        return "ok"
    if isinstance(error, asyncio.CancelledError):
        return "cancelled"
    if isinstance(error, VendorError):
        return re.sub(r"(?<!^)(?=[A-Z])", "_", type(error).__name__).lower()
    if isinstance(error, NotImplementedError):
        return "unsupported"
    return "error"


def instrument(adapter: VendorAdapter) -> VendorAdapter:
    """The same adapter, each of its OPERATIONS counted and timed (the instance's own attribute, so `isinstance`
    and everything else about the adapter stay as they were)."""
    for operation in OPERATIONS:
        setattr(adapter, operation, _timed(adapter.vendor, operation, getattr(adapter, operation)))
    return adapter


def _timed(vendor: str, operation: str, call):
    duration = VENDOR_DURATION.labels(vendor, operation)

    attributes = {"switchyard.vendor": vendor, "switchyard.vendor.operation": operation}

    @functools.wraps(call)
    async def timed(*args, **kwargs):
        started, error = time.perf_counter(), None
        try:
            with span(f"{vendor} {operation}", kind=SpanKind.CLIENT, **attributes):
                return await call(*args, **kwargs)
        except BaseException as exc:
            error = exc
            raise
        finally:
            duration.observe(time.perf_counter() - started)
            VENDOR_REQUESTS.labels(vendor, operation, outcome_of(error)).inc()
    return timed
