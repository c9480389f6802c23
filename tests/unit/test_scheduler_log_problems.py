"""The problem a failed log read answers: what the gateway relays and its capture loop decides on."""

import pytest

from services.scheduler.routes.logs import vendor_problem
from services.vendors.errors import (
    AuthFailed, InvalidRequest, LogsUnsupported, NotFound, RateLimited, VendorUnavailable,
)


@pytest.mark.parametrize("error, status, type_", [
    (LogsUnsupported("qizhi", "no log API"), 501, "logs-unsupported"),
    (NotFound("modelarts", "TrainingJobNotFound"), 410, "logs-gone"),
    (VendorUnavailable("modelarts", "down"), 503, "upstream-unavailable"),
    (RateLimited("modelarts", "slow down"), 503, "upstream-unavailable"),
    (AuthFailed("modelarts", "token refused"), 502, "vendor-error"),
    (InvalidRequest("modelarts", "LogFileHasCleared"), 502, "vendor-error"),
])
def test_each_vendor_error_has_its_problem_naming_the_vendor(error, status, type_):
    problem = vendor_problem(error)
    assert (problem.status, problem.type) == (status, type_)
    assert problem.extra["vendor"] == error.vendor and error.vendor in problem.detail


def test_an_unavailable_vendor_says_when_to_come_back():
    assert vendor_problem(VendorUnavailable("caip", "down")).headers == {"Retry-After": "5"}
