"""Calls to inference services: which job takes them and what a call counts (gateway), and what a failed call
answers (scheduler)."""

import httpx
import pytest

from services.common.problems import Problem
from services.gateway.invocations import Usage, service_address, usage_of
from services.scheduler.invocation import problem_for
from services.vendors.errors import AuthFailed, InvalidRequest, VendorUnavailable

HTTP = [{"type": "http", "url": "http://vendor/v1/infers/abc", "expires_at": None}]


def test_a_running_inference_service_is_called_at_its_http_endpoint():
    jupyter = {"type": "jupyter", "url": "http://vendor/lab", "expires_at": None}
    assert service_address("inference", "RUNNING", [jupyter, *HTTP]) == "http://vendor/v1/infers/abc"


@pytest.mark.parametrize(("kind", "status", "endpoints", "said"), [
    ("training", "RUNNING", HTTP, "only inference services"),
    ("notebook", "RUNNING", HTTP, "only inference services"),
    ("inference", "PENDING", HTTP, "PENDING"),
    ("inference", "STOPPED", HTTP, "STOPPED"),
    ("inference", "RUNNING", [], "not reported"),
])
def test_any_other_job_is_not_invocable(kind, status, endpoints, said):
    with pytest.raises(Problem) as refused:
        service_address(kind, status, endpoints)
    assert (refused.value.status, refused.value.type) == (409, "job-not-invocable")
    assert said in refused.value.detail


def test_only_a_call_the_service_answered_with_a_2xx_counts():
    assert usage_of(200, 10, 32) == Usage(1, 42)
    assert usage_of(204, 10, 0) == Usage(1, 10)
    assert usage_of(502, 10, 200) == Usage(0, 0)
    assert usage_of(409, 10, 200) == Usage(0, 0)


def test_a_vendor_refusal_is_a_502_with_the_vendors_status_code_and_message():
    problem = problem_for(AuthFailed("modelarts", "Token doesn't exist.", code="ModelArts.0201", http_status=401), 60)
    assert (problem.status, problem.type, problem.detail) == (502, "vendor-error", "Token doesn't exist.")
    assert problem.extra == {"vendor": "modelarts", "vendor_status": 401, "vendor_code": "ModelArts.0201"}
    failed = problem_for(VendorUnavailable("aispace", "service x is offline", http_status=503), 60)
    assert (failed.status, failed.extra["vendor_status"]) == (502, 503)


def test_no_answer_in_time_is_a_504():
    assert problem_for(TimeoutError(), 2.5).status == 504
    unanswered = VendorUnavailable("aispace", "POST http://x: ReadTimeout")
    unanswered.__cause__ = httpx.ReadTimeout("timed out")
    problem = problem_for(unanswered, 60)
    assert (problem.status, problem.type, problem.extra) == (504, "vendor-timeout", {"timeout_s": 60})


def test_a_refused_connection_is_the_vendor_failing_not_a_timeout():
    refused = VendorUnavailable("aispace", "POST http://x: ConnectError")
    refused.__cause__ = httpx.ConnectError("refused")
    assert problem_for(refused, 60).status == 502


def test_the_adapters_own_refusal_is_a_409():
    problem = problem_for(InvalidRequest("caip", "caip adapter cannot call inference services"), 60)
    assert (problem.status, problem.type) == (409, "job-not-invocable")
    with pytest.raises(TypeError):
        problem_for(ValueError("not a call's outcome"), 60)
