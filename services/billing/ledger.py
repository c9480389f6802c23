"""Double-entry postings: every transaction is a set of signed amounts per account summing to zero.

Sign convention: a positive amount raises that account's balance. A tenant's credit comes from
`cash` (money received) and its usage goes to `revenue`.
"""

import uuid

CASH = "cash"
REVENUE = "revenue"


def tenant_account(tenant_id: uuid.UUID) -> str:
    return f"tenant:{tenant_id}"


def credit_postings(tenant_id: uuid.UUID, amount: int) -> dict[str, int]:
    return {CASH: -amount, tenant_account(tenant_id): amount}


def usage_postings(tenant_id: uuid.UUID, amount: int) -> dict[str, int]:
    """A charge (amount > 0) moves money from the tenant to revenue; a refund (amount < 0) back."""
    return {tenant_account(tenant_id): -amount, REVENUE: amount}
