"""Every CAIP error answer maps onto a typed vendor error (services.vendors.caip.errors)."""

import httpx
import pytest

from services.vendors.caip.errors import ERROR_CLASSES, error_class, vendor_error
from services.vendors.errors import (
    AuthFailed,
    CapacityUnavailable,
    InvalidRequest,
    NotFound,
    RateLimited,
    VendorError,
    VendorUnavailable,
    WrongState,
)


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (400, InvalidRequest),
        (401, AuthFailed),
        (403, AuthFailed),
        (404, NotFound),
        (409, WrongState),
        (422, CapacityUnavailable),
        (429, RateLimited),
        (500, VendorUnavailable),
        (502, VendorUnavailable),
        (503, VendorUnavailable),
        (504, VendorUnavailable),
    ],
)
def test_every_code_has_its_error(code: int, error: type[VendorError]) -> None:
    assert ERROR_CLASSES[code] is error
    assert error_class(code, code) is error
    raised = vendor_error(httpx.Response(code, json={"code": code, "message": "why"}))
    assert type(raised) is error
    assert (raised.vendor, raised.code, raised.http_status, raised.message) == ("caip", str(code), code, "why")


def test_the_table_covers_every_code_the_simulator_answers() -> None:
    assert set(ERROR_CLASSES) == {400, 401, 403, 404, 409, 422, 429, 500, 502, 503, 504}


def test_a_known_body_code_wins_over_the_http_status() -> None:
    assert error_class(422, 400) is CapacityUnavailable


@pytest.mark.parametrize(
    ("code", "status", "error"), [(None, 404, NotFound), (1234, 418, InvalidRequest), (None, 507, VendorUnavailable)]
)
def test_unknown_codes_fall_back_to_the_http_status(code: int | None, status: int, error: type[VendorError]) -> None:
    assert error_class(code, status) is error


def test_a_body_that_is_not_the_error_model_keeps_its_text() -> None:
    raised = vendor_error(httpx.Response(502, text="<html>Bad Gateway</html>"))
    assert isinstance(raised, VendorUnavailable) and raised.code is None and "Bad Gateway" in raised.message


@pytest.mark.parametrize(("header", "seconds"), [("3", 3.0), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0), ("soon", None)])
def test_rate_limits_carry_retry_after(header: str, seconds: float | None) -> None:
    response = httpx.Response(429, json={"code": 429, "message": "slow down"}, headers={"Retry-After": header})
    raised = vendor_error(response)
    assert isinstance(raised, RateLimited) and raised.retry_after_s == seconds
