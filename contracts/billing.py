"""Billing's events for other services: the metered usage stream and funds enforcement.

Usage is metered in two steps. The meter (billing's clock) publishes one `UsageMinute` per started
minute of a running job to `BILLING_USAGE`; the rater consumes that stream in batches and books each
(job, minute) exactly once: from the tenant's packages, then its balance, the rest as arrears. A later
usage source (a vendor's own usage records) would publish the same event.

When a running job's minute cannot be paid, billing announces `JobFundsExhausted` on `BILLING_EVENTS`
(once per exhaustion, keyed by the job); the scheduler stops the job at `stop_after` unless a
`JobFundsRestored` for it came first.
"""

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from contracts.messages import Event
from contracts.topics import BILLING_USAGE  # noqa: F401 - importable from here too

# UsageMinute goes to BILLING_USAGE keyed by tenant id: a job's minutes stay in order, and raters on
# different partitions never wait for each other's locks on a tenant's balance.


class UsageMinute(Event):
    TYPE: ClassVar[str] = "switchyard.billing.usage_minute.v1"
    minute: int = Field(ge=0, description="minute k covers [started + 60k s, started + 60(k+1) s)")
    minute_at: datetime = Field(description="when the minute started")


class JobFundsExhausted(Event):
    TYPE: ClassVar[str] = "switchyard.billing.job_funds_exhausted.v1"
    minute: int = Field(ge=0, description="the first minute that could not be paid in full")
    shortfall: int = Field(ge=0, description="micro-units of that minute left unpaid (owed as arrears)")
    exhausted_at: datetime
    stop_after: datetime = Field(description="exhausted_at + the grace period: stop the job then")


class JobFundsRestored(Event):
    TYPE: ClassVar[str] = "switchyard.billing.job_funds_restored.v1"
    minute: int = Field(ge=0, description="the first minute paid in full again")
    restored_at: datetime
