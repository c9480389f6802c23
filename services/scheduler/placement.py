"""Placement rules, as plain functions: what a vendor's refusal means, whether a tenant's limits let a
job start, and the vendor-side name of a job. Which flavors may run a job, and in which order, is in
`services/vendors/selection.py` (the gateway's quotes use the same rules)."""

import uuid
from dataclasses import dataclass
from enum import StrEnum

from services.vendors import errors


def vendor_job_name(job_id: uuid.UUID, resubmits: int = 0) -> str:
    """The vendor-side name of a job: derived from its id, so a retried submission finds the first. A job
    placed again after its vendor lost it gets a new name, so it never finds the lost one."""
    return f"sy-{job_id.hex}" + (f"-r{resubmits}" if resubmits else "")


class Outcome(StrEnum):
    SUBMITTED = "submitted"
    CAPACITY = "capacity"  # sold out or no free resources: next candidate at once
    QUOTA = "quota"  # the vendor account's quota: next candidate at once
    UNAVAILABLE = "unavailable"  # vendor down: next candidate, vendor degraded for a while
    RATE_LIMITED = "rate_limited"  # throttled: next candidate, vendor degraded for a while
    INVALID = "invalid"  # the vendor refuses the request itself: reject the job with its message
    AUTH = "auth"  # our credentials were refused: reject, and report the vendor's health


def classify(error: errors.VendorError) -> Outcome:
    match error:
        case errors.CapacityUnavailable():
            return Outcome.CAPACITY
        case errors.QuotaExceeded():
            return Outcome.QUOTA
        case errors.RateLimited():
            return Outcome.RATE_LIMITED
        case errors.AuthFailed():
            return Outcome.AUTH
        case errors.InvalidRequest() | errors.NotFound() | errors.WrongState():
            return Outcome.INVALID
        case _:
            return Outcome.UNAVAILABLE


@dataclass(frozen=True)
class Limits:
    max_concurrent_jobs: int | None = None
    max_concurrent_accelerators: int | None = None


def within_limits(limits: Limits, running_jobs: int, running_accelerators: int, accelerators: int) -> bool:
    """Whether one more job using `accelerators` keeps the tenant within its limits."""
    if limits.max_concurrent_jobs is not None and running_jobs + 1 > limits.max_concurrent_jobs:
        return False
    return (limits.max_concurrent_accelerators is None
            or running_accelerators + accelerators <= limits.max_concurrent_accelerators)
