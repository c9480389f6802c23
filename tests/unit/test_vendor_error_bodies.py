"""The one reader of vendors' error bodies (services.vendors.errors), the typed error it feeds, and `send`."""

import socket

import httpx
import pytest

from services.vendors.errors import (
    InvalidRequest,
    RateLimited,
    VendorUnavailable,
    error_details,
    read_error,
    typed_error,
)
from services.vendors.transport import send


def test_code_and_message_come_back_as_the_vendor_sent_them() -> None:
    assert error_details({"code": 100002, "message": "参数错误"}) == (100002, "参数错误")
    assert error_details({"code": "Throttling", "message": "slow"}) == ("Throttling", "slow")


def test_the_first_non_empty_message_key_wins_and_keys_may_be_nested() -> None:
    keys = ("error_msg", "error.message", "error.title")
    assert error_details({"error_msg": "", "error": {"title": "Unauthorized"}}, message_keys=keys) == (
        None, "Unauthorized")  # fmt: skip
    assert error_details({"error": {"message": "wrong password", "title": "x"}}, message_keys=keys)[1] == (
        "wrong password")  # fmt: skip
    assert error_details({"message": None, "msg": "old name"}, message_keys=("message", "msg"))[1] == "old name"


def test_without_a_message_the_fallback_is_used() -> None:
    assert error_details({"code": 500}, fallback="Internal Server Error") == (500, "Internal Server Error")
    assert error_details({"code": 500}) == (500, "")


def test_a_body_that_is_not_an_object_has_no_code_and_keeps_its_text() -> None:
    assert error_details(["a", "list"]) == (None, "['a', 'list']")
    assert error_details("x" * 300) == (None, "x" * 200)
    assert error_details(None, fallback="Bad Gateway") == (None, "Bad Gateway")


def test_a_response_that_is_not_json_keeps_its_text_else_its_reason() -> None:
    assert read_error(httpx.Response(502, text="<html>proxy</html>")) == (None, "<html>proxy</html>")
    assert read_error(httpx.Response(502, content=b"")) == (None, "Bad Gateway")
    assert read_error(httpx.Response(404, json={"code": 404})) == (404, "Not Found")
    assert read_error(httpx.Response(400, json={"error_code": "ModelArts.2781", "error_msg": "bad flavor"}),
                      code_key="error_code", message_keys=("error_msg",)) == ("ModelArts.2781", "bad flavor")


def test_only_a_rate_limited_error_carries_retry_after() -> None:
    throttled = typed_error(RateLimited, "v", "slow down", code="429", http_status=429, retry_after_s=2.0)
    assert isinstance(throttled, RateLimited) and throttled.retry_after_s == 2.0
    refused = typed_error(InvalidRequest, "v", "bad", code="400", http_status=400, retry_after_s=2.0)
    assert type(refused) is InvalidRequest and (refused.code, refused.http_status) == ("400", 400)


async def test_a_call_that_gets_no_answer_is_vendor_unavailable() -> None:
    with socket.socket() as unused:  # bound, never listening: connections are refused
        unused.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{unused.getsockname()[1]}/x"
        async with httpx.AsyncClient() as client:
            with pytest.raises(VendorUnavailable) as caught:
                await send(client, "v", "GET", url)
    assert caught.value.vendor == "v" and isinstance(caught.value.__cause__, httpx.ConnectError)
