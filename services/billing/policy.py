"""The billing settings the rules need, as one plain value, so the rules can be exercised without the
environment."""

from dataclasses import dataclass
from decimal import Decimal

from services.billing.config import BillingSettings


@dataclass(frozen=True)
class Policy:
    overdraft: int = 0  # micro-units a tenant's balance may go below zero
    funds_low: tuple[Decimal, ...] = (Decimal("0.20"), Decimal("0.10"))  # fractions of the last top-up
    package_low: Decimal = Decimal("0.20")  # fraction of a package's grant
    grace_s: int = 300  # a job whose funds ran out runs this long before it is stopped


def policy_from(settings: BillingSettings) -> Policy:
    return Policy(overdraft=settings.overdraft_micros, funds_low=tuple(settings.funds_low_thresholds),
                  package_low=settings.package_low_threshold, grace_s=settings.funds_grace_s)
