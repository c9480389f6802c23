"""A call to a job's inference service, made by the vendor adapter: what a failed call answers the gateway.

The gateway holds no vendor credentials, so the scheduler, which owns the adapters, makes the call. The vendor's own
answer is relayed as it came when it is a success; anything else is a problem: the vendor refused or failed (502,
with its status, code and message), it did not answer in time (504), or the job cannot take calls there (409).
"""

import httpx

from services.common.problems import Problem
from services.vendors.errors import InvalidRequest, VendorError, VendorUnavailable


def timed_out(error: BaseException) -> bool:
    """A call that got no answer in time: our own deadline, or the HTTP client's timeout under VendorUnavailable."""
    return isinstance(error, TimeoutError) or (
        isinstance(error, VendorUnavailable) and isinstance(error.__cause__, httpx.TimeoutException))


def problem_for(error: BaseException, timeout_s: float) -> Problem:
    """The problem a failed call answers. An InvalidRequest without an HTTP status is the adapter's own refusal
    (the vendor serves no such job): the job is not invocable. Any other exception is not a call's outcome."""
    if timed_out(error):
        return Problem(504, "Vendor timeout", f"The service did not answer within {timeout_s:g} s.",
                       type_="vendor-timeout", timeout_s=timeout_s)
    match error:
        case InvalidRequest(http_status=None):
            return Problem(409, "Job not invocable", error.message, type_="job-not-invocable")
        case VendorError():
            return Problem(502, "Vendor error", error.message or "The vendor refused the call.", type_="vendor-error",
                           vendor=error.vendor, vendor_status=error.http_status, vendor_code=error.code)
    raise TypeError(f"not the outcome of a call: {error!r}")
