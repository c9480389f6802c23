"""Billing threshold events on `billing.events`: emitted once per crossing by billing, turned into
`billing.*` webhooks and topic messages by the notifier.

Amounts are integer micro-units of `currency`; package quantities are micro-units of the package's
`unit` (micro card-hours for "card_hours", micro-CNY for "CNY"). These concern a tenant's account, not
always a job: `job_id` names the job whose charge crossed the threshold when there is one.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from contracts.messages import Event

PackageUnit = Literal["card_hours", "CNY"]


class BillingEvent(Event):
    job_id: uuid.UUID | None = Field(None, description="the job whose charge crossed the threshold, if any")
    occurred_at: datetime


class FundsLow(BillingEvent):
    TYPE: ClassVar[str] = "switchyard.billing.funds_low.v1"
    balance: int = Field(description="money balance, micro-units")
    available: int = Field(description="balance plus the value of covering packages, micro-units")
    threshold_percent: int = Field(ge=1, le=100, description="the crossed threshold, % of the last top-up")
    last_top_up: int = Field(description="the top-up the threshold is a share of, micro-units")
    currency: str = "CNY"


class FundsExhausted(BillingEvent):
    TYPE: ClassVar[str] = "switchyard.billing.funds_exhausted.v1"
    balance: int = Field(description="money balance, micro-units (may be below zero by the overdraft)")
    currency: str = "CNY"


class PackageLow(BillingEvent):
    TYPE: ClassVar[str] = "switchyard.billing.package_low.v1"
    package_id: uuid.UUID
    accelerator: str | None = Field(description="the accelerator class a card-hour package covers")
    unit: PackageUnit
    granted: int = Field(ge=0, description="micro-units of `unit`")
    remaining: int = Field(ge=0, description="micro-units of `unit`")
    threshold_percent: int = Field(ge=1, le=100, description="the crossed threshold, % of `granted`")
    expires_at: datetime


class PackageExpired(BillingEvent):
    TYPE: ClassVar[str] = "switchyard.billing.package_expired.v1"
    package_id: uuid.UUID
    accelerator: str | None
    unit: PackageUnit
    granted: int = Field(ge=0, description="micro-units of `unit`")
    remaining: int = Field(ge=0, description="forfeited: micro-units of `unit` left when it expired")
    expired_at: datetime


BILLING_EVENT_MODELS: tuple[type[BillingEvent], ...] = (FundsLow, FundsExhausted, PackageLow, PackageExpired)
