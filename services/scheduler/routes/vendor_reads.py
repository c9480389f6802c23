"""The problem a failed read of a job's data on its vendor (its logs, its metrics) answers, one rule for both:
no such API 501 `<what>-unsupported`, the vendor job gone 410 `<what>-gone`, the vendor away or throttling 503
`upstream-unavailable`, anything else it refuses 502 `vendor-error`."""

from services.common.problems import Problem
from services.vendors.errors import NotFound, RateLimited, VendorError, VendorUnavailable


def read_problem(exc: VendorError, *, what: str, unsupported: type[VendorError], read: str) -> Problem:
    """`what`: "logs" or "metrics"; `unsupported`: the error of a vendor without that API; `read`: the read's name
    in a message ("log read")."""
    title = what.capitalize()
    match exc:
        case _ if isinstance(exc, unsupported):
            return Problem(501, f"{title} unsupported", f"{exc.vendor} offers no job {what}: {exc.message}",
                           type_=f"{what}-unsupported", vendor=exc.vendor)
        case NotFound():
            return Problem(410, f"{title} gone", f"{exc.vendor} no longer has the job, and with it its {what}.",
                           type_=f"{what}-gone", vendor=exc.vendor)
        case RateLimited() | VendorUnavailable():
            return Problem(503, "Vendor unavailable", f"{exc.vendor} did not answer: {exc.message}",
                           type_="upstream-unavailable", headers={"Retry-After": "5"}, vendor=exc.vendor)
        case _:
            return Problem(502, "Vendor error", f"{exc.vendor} refused the {read}: {exc.message}",
                           type_="vendor-error", vendor=exc.vendor)
