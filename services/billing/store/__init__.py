"""The billing schema's SQL, one module per concern: metered jobs, charges, accounts and the ledger,
packages and offers, tenant funds, reports, price books, idempotency keys, the audit log — and the
row locks, taken in one order, in `locks`.

Every function runs on the connection it is given, inside the unit of work its caller opened
(services.common.unit_of_work): none opens a transaction, none decides anything. The rules live in
the pure modules beside this package (ledger, metering, packages, thresholds, ...).
"""

from services.billing.store import (
    accounts, audit, charges, funds, idempotency, jobs, locks, packages, price_books, reports,
)

SCHEMA = "billing"

__all__ = ["SCHEMA", "accounts", "audit", "charges", "funds", "idempotency", "jobs", "locks", "packages",
           "price_books", "reports"]
