"""What every call goes through: AK/SK, the region twice, the two envelopes, unknown paths, faults."""

import httpx
import pytest

from tests.contract.aispace.case import ALPHA, V1, AISpaceSim, package

DETAIL = f"{V1}/resource/detail"


def test_a_signed_call_with_the_region_succeeds_in_envelope_a(sim: AISpaceSim) -> None:
    body = sim.ok("GET", f"{DETAIL}/{package(sim, 'calculate')['resourceId']}")
    assert set(body) == {"requestId", "code", "message", "data"}
    assert (body["code"], body["message"]) == ("Success", "成功")
    assert len(body["requestId"]) == 32


def test_an_unsigned_call_is_refused(sim: AISpaceSim) -> None:
    response = httpx.get(f"{sim.url}{V1}/project/page", headers={"x-regionid": "region1"})
    assert response.status_code == 401
    assert response.json()["code"] == "Unauthorized"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [({"ak": "SOMEONE-ELSE"}, "Unauthorized"), ({"sk": "wrong-secret"}, "SignatureDoesNotMatch")],
)
def test_wrong_credentials_are_refused(sim: AISpaceSim, overrides: dict[str, str], code: str) -> None:
    response = sim.call("GET", f"{V1}/project/page", **overrides)
    assert response.status_code == 401
    assert response.json()["code"] == code


def test_a_stale_signature_is_refused(sim: AISpaceSim) -> None:
    response = sim.call("GET", f"{V1}/project/page", extra_headers={"X-Sdk-Date": "20200101T000000Z"})
    assert response.status_code == 401
    assert response.json()["code"] == "SignatureDoesNotMatch"


def test_a_tampered_query_breaks_the_signature(sim: AISpaceSim) -> None:
    good = sim.call("GET", f"{V1}/project/page", query={"requestInfo": "region1"})
    assert good.status_code == 200
    signed = dict(good.request.headers)
    tampered = httpx.get(f"{sim.url}{V1}/project/page?requestInfo=region1&x=1", headers=signed)
    assert tampered.status_code == 401
    assert tampered.json()["code"] == "SignatureDoesNotMatch"


def test_the_region_header_is_required_and_must_match(sim: AISpaceSim) -> None:
    missing = sim.call("GET", f"{V1}/project/page", region="")
    assert (missing.status_code, missing.json()["code"]) == (400, "InvalidParameter")
    other = sim.call("GET", f"{V1}/project/page", region="cn-beijing-1")
    assert other.status_code == 400
    mismatched = sim.call("GET", f"{V1}/project/page", query={"requestInfo": "zsregion0"})
    assert mismatched.status_code == 400 and "requestInfo" in mismatched.json()["message"]


def test_header_and_off_auth_modes(start_sim) -> None:  # type: ignore[no-untyped-def]
    lenient = start_sim(auth="header")
    headers = {"x-regionid": "region1"}
    assert httpx.get(f"{lenient.url}{V1}/project/page", headers=headers).status_code == 401
    assert httpx.get(f"{lenient.url}{V1}/project/page", headers=headers | {"Authorization": "x"}).status_code == 200
    open_sim = start_sim(auth="off")
    assert httpx.get(f"{open_sim.url}{V1}/project/page", headers=headers).status_code == 200


def test_errors_come_in_the_envelope_of_their_endpoint(sim: AISpaceSim) -> None:
    a = sim.call("GET", f"{DETAIL}/AIDP-00000000000000000000000000000000")
    assert a.status_code == 404
    assert a.json()["code"] == "ResourceNotFound" and a.json()["data"] is None
    b = sim.call("GET", f"{ALPHA}/maas_task_modelview/sft/api/999999", query={"requestInfo": "region1"})
    assert b.status_code == 404
    assert b.json() == {"result": {}, "status": 1, "message": "Not found"}


def test_an_unknown_path_is_api_not_found(sim: AISpaceSim) -> None:
    response = sim.call("GET", f"{V1}/no/such/thing")
    assert response.status_code == 404
    assert response.json()["code"] == "ApiNotFound"


@pytest.mark.parametrize(
    ("faults", "status", "code"),
    [
        ({"down": True}, 503, "ServiceUnavailable"),
        ({"throttle_rate": 1.0}, 429, "Throttling"),
        ({"error_rate": 1.0}, 500, "InternalError"),
    ],
)
def test_faults_answer_in_envelope_a(sim: AISpaceSim, faults: dict[str, object], status: int, code: str) -> None:
    sim.put_faults(**faults)
    response = sim.call("GET", f"{V1}/project/page")
    assert response.status_code == status
    assert response.json()["code"] == code
    if status == 429:
        assert response.headers["Retry-After"] == "1"
