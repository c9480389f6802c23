"""How billing's records look on the HTTP API, on the tenant and the operator routes alike: decimal
strings with their currency or unit."""

import uuid
from datetime import datetime

import asyncpg
from pydantic import BaseModel

from contracts import money
from services.billing import packages
from services.billing.packages import Unit
from services.billing.store.charges import Charge


class PackageOut(BaseModel):
    id: uuid.UUID
    offer_id: uuid.UUID
    accelerator: str | None
    unit: str  # "card_hours" or "CNY"
    granted: str
    remaining: str
    price: str
    currency: str = money.CURRENCY
    priority: int
    purchased_at: datetime
    expires_at: datetime
    expired: bool


def package_out(row: asyncpg.Record, now: datetime) -> PackageOut:
    unit = Unit(row["unit"])
    return PackageOut(
        id=row["id"], offer_id=row["offer_id"], accelerator=row["accelerator"], unit=packages.api_unit(unit),
        granted=packages.format_quantity(unit, row["granted"]), remaining=packages.format_quantity(unit, row["remaining"]),
        price=money.format_amount(row["price"]), priority=row["priority"], purchased_at=row["purchased_at"],
        expires_at=row["expires_at"], expired=row["expires_at"] <= now,
    )


class OfferOut(BaseModel):
    id: uuid.UUID
    name: str
    accelerator: str | None
    card_hours: str | None
    credit: str | None
    price: str
    currency: str = money.CURRENCY
    valid_days: int
    priority: int
    active: bool
    created_at: datetime


class OfferList(BaseModel):
    items: list[OfferOut]
    next_cursor: str | None = None


def offer_out(row: asyncpg.Record) -> OfferOut:
    card = row["unit"] == Unit.CARD_SECONDS
    return OfferOut(
        id=row["id"], name=row["name"], accelerator=row["accelerator"],
        card_hours=packages.format_card_hours(row["quantity"]) if card else None,
        credit=None if card else money.format_amount(row["quantity"]), price=money.format_amount(row["price"]),
        valid_days=row["valid_days"], priority=row["priority"], active=row["active"], created_at=row["created_at"],
    )


class UsageItem(BaseModel):
    id: uuid.UUID
    job_id: uuid.UUID
    minute: int
    kind: str
    amount: str  # from the balance
    shortfall: str  # owed (arrears): the balance could not pay it
    currency: str = money.CURRENCY
    card_seconds: int
    package_id: uuid.UUID | None
    package_value: str
    list_amount: str
    vendor_cost: str
    reason: str | None
    created_at: datetime


def usage_item(charge: Charge) -> UsageItem:
    return UsageItem(
        id=charge.id, job_id=charge.job_id, minute=charge.minute, kind=charge.kind,
        amount=money.format_amount(charge.amount), shortfall=money.format_amount(charge.shortfall),
        card_seconds=charge.card_seconds, package_id=charge.package_id,
        package_value=money.format_amount(charge.package_value), list_amount=money.format_amount(charge.list_amount),
        vendor_cost=money.format_amount(charge.vendor_cost), reason=charge.reason, created_at=charge.created_at,
    )
