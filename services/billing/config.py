"""Billing's own settings, on top of the shared ones (same SWITCHYARD_ prefix, same .env; listed in .env.example)."""

from decimal import Decimal
from functools import lru_cache
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from contracts import money
from services.billing import amounts
from services.common.settings import Settings


class BillingSettings(Settings):
    markup: Decimal = Field(Decimal("1.20"), gt=0, description="sell price = vendor price x markup: the price book's "
                                                               "default until an operator sets one")

    overdraft: str = Field("0", description="how far below zero a tenant's balance may go, e.g. 50.00")
    funds_grace_s: int = Field(300, ge=0, description="a job whose funds ran out runs this long before it is stopped")
    funds_low_thresholds: Annotated[list[Decimal], NoDecode] = Field(
        [Decimal("0.20"), Decimal("0.10")], description="fractions of the last top-up, e.g. 0.20,0.10")
    package_low_threshold: Decimal = Field(Decimal("0.20"), ge=0, lt=1, description="fraction of a package's grant")
    idempotency_ttl_h: float = Field(48.0, ge=24, description="Idempotency-Key replies are kept this long (>= 24 h)")
    metering_tick_s: float = Field(0.2, gt=0, description="how often the meter looks for minute boundaries")
    rating_batch: int = Field(2000, ge=1, description="usage minutes rated per database transaction at most")
    rating_consumers: int = Field(3, ge=1, description="usage-stream consumers per process (one DB transaction each)")
    housekeeping_interval_s: float = Field(30.0, gt=0, description="package expiry and idempotency-key sweeps")

    @field_validator("overdraft")
    @classmethod
    def _non_negative_amount(cls, value: str) -> str:
        amounts.non_negative(value, "the overdraft is a non-negative amount")
        return value

    @field_validator("funds_low_thresholds", mode="before")
    @classmethod
    def _comma_separated(cls, value):
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        fractions = sorted((Decimal(str(v)) for v in value), reverse=True)
        if any(not 0 < f < 1 for f in fractions):
            raise ValueError("thresholds are fractions between 0 and 1")
        return fractions

    @property
    def overdraft_micros(self) -> int:
        return money.parse_amount(self.overdraft)


@lru_cache
def get_billing_settings() -> BillingSettings:
    return BillingSettings()
