"""Both envelopes unwrapped, every error code mapped onto a typed error, and where notebooks and services answer."""

import json
from typing import Any

import pytest

from services.vendors.aispace.errors import CUBE_MESSAGES, ERROR_CODES, error_for
from services.vendors.aispace import wire
from services.vendors.aispace.wire import is_cube_result, unwrap
from services.vendors.base import Endpoint
from services.vendors.errors import (
    AuthFailed,
    CapacityUnavailable,
    InvalidRequest,
    NotFound,
    QuotaExceeded,
    RateLimited,
    VendorError,
    VendorUnavailable,
    WrongState,
)
from services.vendorsim.aispace.wire import HTTP_STATUS, Code

A = {"requestId": "e67c984c6fdc4c678c8dd2f382bec18a", "code": "Success", "message": "成功"}
RECORD = {"id": 44, "name": "useradmin-3dd3", "status": ""}


@pytest.mark.parametrize(
    ("body", "payload"),
    [
        (A | {"data": {"code": "", "message": "success", "status": 0, "result": RECORD}}, RECORD),  # A wrapping B
        (A | {"data": True}, True),
        (A | {"data": 1}, 1),
        (A | {"data": "221189662184701952"}, "221189662184701952"),  # an order id
        (A | {"data": "/frontend/dev/dev_online/notebook"}, "/frontend/dev/dev_online/notebook"),
        (A | {"data": {"size": 10, "current": 1, "total": 0, "totalPage": 0, "list": []}},
         {"size": 10, "current": 1, "total": 0, "totalPage": 0, "list": []}),
        (A | {"data": {}}, {}),  # the service create: no id
        (A | {"data": {"status": "Pushing"}}, {"status": "Pushing"}),  # a payload with a string status
        ({"code": "Success", "data": "", "message": "调试任务资源准备中"}, ""),  # A without requestId (3.6)
        ({"message": "success", "result": RECORD, "status": 0}, RECORD),  # B
        ({"message": "success", "result": {}, "status": 0}, {}),
    ],
)  # fmt: skip
def test_payloads_are_unwrapped(body: dict[str, Any], payload: Any) -> None:
    assert unwrap(200, body) == payload


def test_success_is_checked_at_every_level() -> None:
    with pytest.raises(InvalidRequest):  # A says Success, the nested Cube Studio result does not
        unwrap(200, A | {"data": {"code": "", "message": "bad args", "status": 1, "result": {}}})
    with pytest.raises(InvalidRequest):
        unwrap(200, {"message": "bad args", "result": {}, "status": 1})
    with pytest.raises(VendorUnavailable):
        unwrap(200, {"requestId": "x", "code": "InternalError", "message": "boom", "data": None})


def test_is_cube_result_wants_a_numeric_status() -> None:
    assert is_cube_result({"status": 0, "result": {}})
    assert not is_cube_result({"status": "Pushing"})
    assert not is_cube_result({"status": True, "result": {}})
    assert not is_cube_result([0])


# Every code the simulator answers with, its HTTP status, and the class the adapter must raise.
EXPECTED_CLASSES: dict[str, type[VendorError]] = {
    "InvalidParameter": InvalidRequest,
    "Unauthorized": AuthFailed,
    "SignatureDoesNotMatch": AuthFailed,
    "Forbidden": AuthFailed,
    "ResourceNotFound": NotFound,
    "ApiNotFound": InvalidRequest,
    "ResourceAlreadyExists": InvalidRequest,
    "IncorrectState": WrongState,
    "QuotaExceeded": QuotaExceeded,
    "InsufficientResource": CapacityUnavailable,
    "Throttling": RateLimited,
    "InternalError": VendorUnavailable,
    "ServiceUnavailable": VendorUnavailable,
}


def test_the_table_covers_every_code_the_simulator_uses() -> None:
    assert set(EXPECTED_CLASSES) == set(ERROR_CODES) == {code.value for code in Code}


@pytest.mark.parametrize(("code", "error_class"), sorted(EXPECTED_CLASSES.items()))
def test_gateway_error_codes(code: str, error_class: type[VendorError]) -> None:
    status = HTTP_STATUS[Code(code)]
    body = {"requestId": "r", "code": code, "message": "details", "data": None}
    with pytest.raises(error_class) as raised:
        unwrap(status, body, retry_after_s=2.0)
    error = raised.value
    assert type(error) is error_class
    assert (error.vendor, error.code, error.http_status, error.message) == ("aispace", code, status, "details")
    if isinstance(error, RateLimited):
        assert error.retry_after_s == 2.0


@pytest.mark.parametrize(
    ("status", "message", "error_class"),
    [
        (404, "Not found", NotFound),
        (422, "no permission to edit", AuthFailed),
        (500, "Fatal error", VendorUnavailable),
        (400, "filter col maas not found", InvalidRequest),  # anything else: by HTTP status
        (409, "already running", WrongState),
        (429, "slow down", RateLimited),
        (503, "", VendorUnavailable),
        (401, "", AuthFailed),
    ],
)
def test_cube_studio_errors(status: int, message: str, error_class: type[VendorError]) -> None:
    with pytest.raises(error_class) as raised:
        unwrap(status, {"result": {}, "status": 1, "message": message})
    assert raised.value.code is None


def test_cube_messages_are_the_upstream_ones() -> None:
    assert set(CUBE_MESSAGES) == {"not found", "no permission to edit", "fatal error"}


def test_unknown_codes_and_bodies_fall_back_to_the_http_status() -> None:
    assert isinstance(error_for(403, {"code": "SomethingNew", "message": "x"}), AuthFailed)
    assert isinstance(error_for(502, "<html>Bad Gateway</html>"), VendorUnavailable)
    # A 404 without an envelope is a path this deployment lacks, not a missing object.
    assert isinstance(error_for(404, "<html>404</html>"), InvalidRequest)
    assert isinstance(error_for(200, {"code": "SomethingNew", "message": "x"}), InvalidRequest)


# ----------------------------------------------------------------------------- endpoints


def test_a_notebooks_page_is_built_from_its_ingress_domain() -> None:
    row = {"id": 44, "name": "sy-ab", "namespace": "jupyter", "status": "Running",
           "expand": json.dumps({"ingress_domain": "127.0.0.1:18004", "port_num": "891"})}
    page = "http://127.0.0.1:18004/notebook/jupyter/sy-ab/lab"
    assert wire.notebook_job(row).endpoints == (Endpoint("jupyter", page),)
    https = row | {"expand": {"ingress_domain": "https://aispace.example/"}}  # an object, not a JSON string
    assert wire.notebook_endpoints(https)[0].url == "https://aispace.example/notebook/jupyter/sy-ab/lab"


@pytest.mark.parametrize("expand", ["{}", "", "not json", json.dumps({"ingress_domain": ""}), None])
def test_a_notebook_without_an_ingress_domain_has_no_endpoint(expand: Any) -> None:
    assert wire.notebook_endpoints({"id": 44, "name": "sy-ab", "expand": expand}) == ()


def test_a_services_address_is_its_host() -> None:
    row = {"id": 169, "name": "sy-cd", "model_status": "online", "deploy_history": "x prod",
           "host": "http://127.0.0.1:18004/inference/sy-cd"}
    assert wire.service_job(row).endpoints == (Endpoint("http", "http://127.0.0.1:18004/inference/sy-cd"),)
    bare = wire.service_endpoints({"host": "sy-cd.service.example"})
    assert bare == (Endpoint("http", "http://sy-cd.service.example"),)
    assert wire.service_endpoints({"host": ""}) == () and wire.service_endpoints({}) == ()


def test_a_string_status_is_read_as_the_number_the_tables_type_it() -> None:
    assert unwrap(200, A | {"data": {"code": "", "message": "success", "status": "0", "result": RECORD}}) == RECORD
    with pytest.raises(InvalidRequest):
        unwrap(200, A | {"data": {"code": "", "message": "bad args", "status": "1", "result": {}}})
    assert not is_cube_result({"status": "Pushing", "message": "x"})


def test_a_task_row_without_an_id_is_a_vendor_error_not_a_key_error() -> None:
    with pytest.raises(VendorUnavailable):
        wire.task_job("slm", {"status": "0", "message": "success"})


LAUNCHED, RUNNING_SINCE, ENDED = "2024-07-11 19:44:21", "2024-07-11T19:47:30.000001", "2024-07-11T20:59:14"


def task(status: str, **more: Any) -> dict[str, Any]:
    return {"id": 88, "name": "sy-1", "status": status, "last_run_time": LAUNCHED, "changed_on": RUNNING_SINCE} | more


def test_a_running_task_started_at_its_phase_change_not_at_its_launch() -> None:
    job = wire.task_job("slm", task("Running"))
    assert job.started_at is not None and job.started_at.isoformat() == "2024-07-11T11:47:30.000001+00:00"
    assert wire.task_job("slm", task("Pending")).started_at is None


def test_an_ended_tasks_start_is_its_launch_unless_it_was_terminated() -> None:
    succeeded = wire.task_job("slm", task("Succeeded", changed_on=ENDED))
    assert succeeded.started_at is not None and succeeded.started_at.isoformat() == "2024-07-11T11:44:21+00:00"
    assert succeeded.finished_at is not None and succeeded.finished_at.isoformat() == "2024-07-11T12:59:14+00:00"
    # Terminated: stopped, perhaps while Pending; the 7.4 detail has no elapsed_time to say it ran.
    terminated = wire.task_job("slm", task("Terminated", changed_on=ENDED, elapsed_time="01小时05分钟"))
    assert terminated.started_at is None and terminated.finished_at is not None
