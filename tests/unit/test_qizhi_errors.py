"""Every way Qizhi says no -> the typed error callers branch on."""

import pytest

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
from services.vendors.qizhi.errors import MessageMarkers, classify

MARKERS = MessageMarkers()


@pytest.mark.parametrize(
    ("http_status", "code", "message", "expected"),
    [
        # envelope codes ([EXT]), HTTP 200
        (200, -1, "token is expired", AuthFailed),
        (200, 100000, "runtime error: invalid memory address or nil pointer dereference", VendorUnavailable),
        (200, 100002, "参数错误: name is required", InvalidRequest),
        (200, 100002, '参数错误: json: unknown field "cpu_elastic_ratio"', InvalidRequest),
        (200, 100002, "priority_too_high", InvalidRequest),
        (200, 100002, "record not found", NotFound),
        (200, 100002, "Record Not Found", NotFound),
        (200, 100002, "资源不足: 规格 H100 1卡 已售罄 (sold out)", CapacityUnavailable),
        (200, 100002, "insufficient resources for spec", CapacityUnavailable),
        (200, 123456, "something new", InvalidRequest),  # a refusal we have no word for
        # HTTP statuses, no envelope
        (400, None, "invalid request body", InvalidRequest),
        (400, None, "record not found", NotFound),  # the document's literal 400 string
        (400, None, "token is expired", AuthFailed),  # a refused token in the document's only error form
        (400, None, "Unauthorized", AuthFailed),
        (401, None, "token is expired", AuthFailed),
        (403, None, "forbidden", AuthFailed),
        (404, None, '{"detail":"Not Found"}', VendorUnavailable),  # a missing route, not a missing job
        (409, None, "conflict", WrongState),
        (429, None, "<html>429 Too Many Requests</html>", RateLimited),
        (500, 100000, "internal server error", VendorUnavailable),
        (502, None, "bad gateway", VendorUnavailable),
        (503, None, "503 Service Temporarily Unavailable", VendorUnavailable),
        (504, None, "record not found", VendorUnavailable),  # a gateway failure first
    ],
)
def test_error_table(http_status: int, code: int | None, message: str, expected: type[VendorError]) -> None:
    assert classify(http_status, code, message, MARKERS) is expected


def test_markers_are_configurable() -> None:
    markers = MessageMarkers(not_found=("不存在",), capacity=("quota exhausted",))
    assert classify(200, 100002, "任务不存在", markers) is NotFound
    assert classify(200, 100002, "quota exhausted", markers) is CapacityUnavailable
    assert classify(200, 100002, "record not found", markers) is InvalidRequest
