"""Double-entry postings: every transaction is a set of signed amounts per account summing to zero.

Sign convention: a positive amount raises that account's balance. A tenant's top-up comes from
`cash` (money received); its usage goes to `revenue`. A minute the tenant could not pay is owed on
`arrears:<tenant>` (negative = owed) and settled from the next top-up. Package sales go to
`packages` (money received for prepaid usage); operator adjustments come from `adjustments`.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

CASH = "cash"
REVENUE = "revenue"
PACKAGES = "packages"
ADJUSTMENTS = "adjustments"
TENANT_PREFIX = "tenant:"


def tenant_account(tenant_id: uuid.UUID) -> str:
    return f"{TENANT_PREFIX}{tenant_id}"


def arrears_account(tenant_id: uuid.UUID) -> str:
    return f"arrears:{tenant_id}"


def accounts_of(tenant_id: uuid.UUID) -> tuple[str, str]:
    """A tenant's two accounts. Every writer locks both (store.locks.lock_balances, in name order)
    before posting, so the shared accounts (cash, revenue, ...) are always the last locks taken."""
    return arrears_account(tenant_id), tenant_account(tenant_id)


def is_tenant_account(account: str) -> bool:
    return account.startswith(TENANT_PREFIX)


@dataclass(frozen=True)
class Entries:
    """One ledger transaction as it is written: parallel lists, one item per account."""

    accounts: list[str]
    amounts: list[int]
    overdrafts: list[int]  # how far below zero each account may go


def entries(postings: Mapping[str, int], overdraft: int) -> Entries:
    """The entries of a transaction: its non-zero postings in account order, each with its account's
    overdraft — `overdraft` for a tenant's balance, none for its arrears or a shared account."""
    accounts, amounts, overdrafts = [], [], []
    for account, amount in sorted(postings.items()):
        if amount != 0:
            accounts.append(account)
            amounts.append(amount)
            overdrafts.append(overdraft if is_tenant_account(account) else 0)
    return Entries(accounts, amounts, overdrafts)


def credit_postings(tenant_id: uuid.UUID, amount: int) -> dict[str, int]:
    return {CASH: -amount, tenant_account(tenant_id): amount}


def usage_postings(paid: Mapping[uuid.UUID, tuple[int, int]]) -> dict[str, int]:
    """One transaction for a batch of minutes: {tenant: (from the balance, owed)}. Refunds and voids
    pass negative amounts and flow back the same way."""
    postings: dict[str, int] = {}
    for tenant_id, (amount, shortfall) in paid.items():
        postings[tenant_account(tenant_id)] = -amount
        postings[arrears_account(tenant_id)] = -shortfall
        postings[REVENUE] = postings.get(REVENUE, 0) + amount + shortfall
    return postings


def purchase_postings(tenant_id: uuid.UUID, price: int) -> dict[str, int]:
    return {tenant_account(tenant_id): -price, PACKAGES: price}


def adjustment_postings(tenant_id: uuid.UUID, amount: int) -> dict[str, int]:
    """Positive: the operator credits (or refunds) the tenant; negative: debits it."""
    return {ADJUSTMENTS: -amount, tenant_account(tenant_id): amount}


def settlement_postings(tenant_id: uuid.UUID, amount: int) -> dict[str, int]:
    """Pay `amount` of the tenant's arrears from its balance."""
    return {tenant_account(tenant_id): -amount, arrears_account(tenant_id): amount}


def settleable(balance: int, arrears: int) -> int:
    """How much of what is owed (arrears < 0) a positive balance pays off now."""
    return max(0, min(balance, -arrears))
