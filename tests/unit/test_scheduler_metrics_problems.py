"""The problem a failed metrics read answers: what the gateway relays."""

import pytest

from services.scheduler.routes.job_metrics import vendor_problem
from services.vendors.errors import (
    AuthFailed, InvalidRequest, MetricsUnsupported, NotFound, RateLimited, VendorUnavailable,
)


@pytest.mark.parametrize("error, status, type_", [
    (MetricsUnsupported("qizhi", "no metrics API"), 501, "metrics-unsupported"),
    (NotFound("modelarts", "TrainingJobNotFound"), 410, "metrics-gone"),
    (VendorUnavailable("modelarts", "down"), 503, "upstream-unavailable"),
    (RateLimited("modelarts", "slow down"), 503, "upstream-unavailable"),
    (AuthFailed("modelarts", "token refused"), 502, "vendor-error"),
    (InvalidRequest("modelarts", "InvalidParam"), 502, "vendor-error"),
])
def test_each_vendor_error_has_its_problem_naming_the_vendor(error, status, type_):
    problem = vendor_problem(error)
    assert (problem.status, problem.type) == (status, type_)
    assert problem.extra["vendor"] == error.vendor and error.vendor in problem.detail
