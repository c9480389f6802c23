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

from contracts.messages import VendorEvent
from contracts.jobs import JobKind
from contracts.money import Money

FlavorChange = Literal["added", "removed", "price_changed", "availability_changed", "spec_changed"]


class VendorFlavor(BaseModel):
    """One flavor of one vendor, as its adapter lists it, the scheduler's catalog records it and `FlavorChanged`
    carries it: the one flavor type of the system."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    vendor: str = Field(description="modelarts, caip, qizhi, aispace")
    flavor_id: str = Field(description="the vendor's flavor id")
    accelerator: str = Field(description="normalized class: ascend-910b, nvidia-h800, mlu370, cpu, ...")
    count: int = Field(ge=0, description="accelerators per node; 0 for CPU-only flavors")
    cpu: int = Field(ge=0, description="CPU cores per node")
    memory_gb: int = Field(ge=0)
    price_per_hour: int = Field(ge=0, description="vendor list price per node-hour, micro-units of CNY")
    available: bool = Field(description="false when the vendor says it is sold out")
    max_nodes: int = Field(1, ge=1, description="the most nodes one job may run on with this flavor")
    kind: JobKind = Field("training", description="the kind of workload this flavor runs")
    prepaid_package: str | None = Field(
        None, description="the vendor-side prepaid package this flavor draws on, when the account already paid for it "
                          "(AI Space's resource id while the package has amount left); null for pay-as-you-go",
    )


class FlavorChanged(VendorEvent):
    """One change of one flavor: `spec_changed` (accelerator, count, CPU, memory, most nodes), `price_changed` (list price or
    the prepaid package covering it), `availability_changed` (sold out or back), `added` or `removed`."""

    TYPE: ClassVar[str] = "switchyard.vendor.flavor_changed.v1"
    kind: JobKind
    flavor: str = Field(description="the vendor's flavor id")
    change: FlavorChange
    before: VendorFlavor | None = Field(description="null for an added flavor")
    after: VendorFlavor | None = Field(description="null for a removed flavor")
    currency: str = "CNY"
    changed_at: datetime = Field(description="when the catalog sync read the vendor's new flavor list")


class CatalogRefreshRequested(VendorEvent):
    """An operator's command (on jobs.commands) to re-read a vendor's flavors now rather than at the next
    periodic refresh; the changes found are announced as `FlavorChanged`."""

    TYPE: ClassVar[str] = "switchyard.vendor.catalog_refresh_requested.v1"
    requested_at: datetime


class FlavorOffer(BaseModel):
    """A flavor as `GET /v1/flavors` lists it: at the tenant's sell price (the scheduler answers, the gateway shows)."""

    vendor: str
    flavor: str
    kind: str
    accelerator: str
    count: int
    cpu: int
    memory_gb: int
    price_per_hour: Money
    available: bool
    max_nodes: int = Field(description="the most nodes one training job may run on with this flavor")


class PlacementQuote(BaseModel):
    """One placement `POST /v1/quotes` lists, in the order the scheduler would try it."""

    vendor: str
    flavor: str
    price_per_hour: Money
    max_cost: Money | None = Field(description="the most the job can cost, given its max_runtime_s")
    covered_by: str | None = Field(description="the prepaid package that would pay for it")


ExclusionReason = Literal["no_such_accelerator", "too_few_nodes", "over_max_price", "vendor_excluded",
                          "vendor_degraded", "data_elsewhere", "sold_out", "quota", "funds"]


class Exclusion(BaseModel):
    """A vendor or flavor a placement left out, and why (`flavor` null: the whole vendor)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    vendor: str
    flavor: str | None = Field(description="null when the whole vendor was left out")
    reason: ExclusionReason = Field(description=(
        "no_such_accelerator (not this kind, accelerator class or count), too_few_nodes (the flavor runs fewer "
        "nodes than asked), over_max_price, vendor_excluded (by the job's placement.vendors or exclude_vendors), "
        "vendor_degraded (the vendor does not answer), data_elsewhere (the job's data lives on another vendor), "
        "sold_out, quota (the tenant's limits, or the vendor account's quota), funds (the tenant cannot pay "
        "the first minutes)"))


class Quotes(BaseModel):
    """What `POST /v1/quotes` answers: the placements in the order they would be tried, and what was left out."""

    items: list[PlacementQuote]
    excluded: list[Exclusion]
