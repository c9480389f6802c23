"""The flavor catalog's change events, on `switchyard.vendors.events` keyed by the vendor.

The scheduler's catalog sync reads every enabled vendor's flavors per kind, compares them with the last
catalog it recorded, and announces each difference once: one `FlavorChanged` per flavor and kind of change
(a flavor whose price and availability both moved gives two events, each carrying the whole before/after).
Prices are integer micro-units of CNY, like every amount on the wire.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.events import EVENT_TYPES, VendorEvent
from contracts.jobs import JobKind

FlavorChange = Literal["added", "removed", "price_changed", "availability_changed", "spec_changed"]


class FlavorState(BaseModel):
    """What the catalog knows of one flavor at one time."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    accelerator: str = Field(description="normalized class: ascend-910b, nvidia-h800, mlu370, cpu, ...")
    count: int = Field(ge=0, description="accelerators per node")
    cpu: int = Field(ge=0, description="CPU cores per node")
    memory_gb: int = Field(ge=0)
    price_per_hour: int = Field(ge=0, description="vendor list price per node-hour, micro-units of CNY")
    available: bool = Field(description="false when the vendor says it is sold out")
    prepaid_package: str | None = Field(
        None, description="the vendor-side prepaid package this flavor draws on, when the account already paid for it",
    )


class FlavorChanged(VendorEvent):
    """One change of one flavor: `spec_changed` (accelerator, count, CPU, memory), `price_changed` (list price or
    the prepaid package covering it), `availability_changed` (sold out or back), `added` or `removed`."""

    TYPE: ClassVar[str] = "switchyard.vendor.flavor_changed.v1"
    kind: JobKind
    flavor: str = Field(description="the vendor's flavor id")
    change: FlavorChange
    before: FlavorState | None = Field(description="null for an added flavor")
    after: FlavorState | None = Field(description="null for a removed flavor")
    currency: str = "CNY"
    changed_at: datetime = Field(description="when the catalog sync read the vendor's new flavor list")


class CatalogRefreshRequested(VendorEvent):
    """An operator's command (on jobs.commands) to re-read a vendor's flavors now rather than at the next
    periodic refresh; the changes found are announced as `FlavorChanged`."""

    TYPE: ClassVar[str] = "switchyard.vendor.catalog_refresh_requested.v1"
    requested_at: datetime


# Registered here like contracts/billing.py does; contracts/events.py imports this module at its end.
EVENT_TYPES.update({FlavorChanged.TYPE: FlavorChanged, CatalogRefreshRequested.TYPE: CatalogRefreshRequested})
