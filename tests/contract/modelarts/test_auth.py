"""Both ModelArts authentication schemes against the simulator: IAM tokens and AK/SK signatures,
including the signatures it must refuse."""

import uuid
from contextlib import aclosing
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from services.vendors import AuthFailed
from services.vendors.modelarts import ModelArtsAdapter
from tests.contract.modelarts.case import ModelArtsSim, error_code
from tests.contract.support import StartSim

pytestmark = pytest.mark.asyncio


def _sdk_date(offset: timedelta = timedelta()) -> str:
    return (datetime.now(UTC) + offset).strftime("%Y%m%dT%H%M%SZ")


# --------------------------------------------------------------------------- AK/SK, raw


async def test_signed_requests_are_accepted_on_every_api(sim: ModelArtsSim) -> None:
    assert sim.signed("GET", sim.v2("/training-job-flavors")).status_code == 200
    assert sim.signed("GET", sim.v1("/notebooks/flavors"), query=[("category", "CPU")]).status_code == 200
    assert sim.signed("GET", sim.v1("/services/specifications")).status_code == 200
    search = {"offset": 0, "limit": 1, "filters": [{"key": "phase", "operator": "in", "value": ["Running"]}]}
    assert sim.signed("POST", sim.v2("/training-job-searches"), json_body=search).status_code == 200


async def test_wrong_secret_is_refused(sim: ModelArtsSim) -> None:
    response = sim.signed("GET", sim.v2("/training-job-flavors"), sk="x" * 40)
    assert error_code(response) == (401, "ModelArts.0208")
    assert "signature mismatch" in response.json()["error_msg"]


async def test_stale_date_is_refused(sim: ModelArtsSim) -> None:
    for skew in (timedelta(minutes=-16), timedelta(minutes=16)):
        response = sim.signed("GET", sim.v2("/training-job-flavors"), sdk_date=_sdk_date(skew))
        assert error_code(response) == (401, "ModelArts.0208")
        assert "X-Sdk-Date" in response.json()["error_msg"]
    # Within the 15 minutes Huawei's gateway allows, a signature with a pinned date is fine.
    assert sim.signed("GET", sim.v2("/training-job-flavors"), sdk_date=_sdk_date(timedelta(minutes=-14))).is_success


async def test_tampered_body_is_refused(sim: ModelArtsSim) -> None:
    search = {"offset": 0, "limit": 10, "filters": []}
    tampered = b'{"offset": 0, "limit": 50, "filters": []}'
    response = sim.signed("POST", sim.v2("/training-job-searches"), json_body=search, send_body=tampered)
    assert error_code(response) == (401, "ModelArts.0208")


async def test_tampered_query_is_refused(sim: ModelArtsSim) -> None:
    path = sim.v1("/notebooks/flavors")
    signed_for_cpu = sim.signed("GET", path, query=[("category", "CPU")]).request
    url = str(signed_for_cpu.url).replace("category=CPU", "category=GPU")
    response = httpx.get(url, headers=dict(signed_for_cpu.headers))
    assert error_code(response) == (401, "ModelArts.0208")


async def test_unknown_access_key_is_refused(sim: ModelArtsSim) -> None:
    response = sim.signed("GET", sim.v2("/training-job-flavors"), ak="UNKNOWNACCESSKEY0000")
    assert error_code(response) == (403, "ModelArts.0206")


async def test_malformed_authorization_is_refused(sim: ModelArtsSim) -> None:
    path = sim.v2("/training-job-flavors")
    with sim.client() as client:
        bad = client.get(path, headers={"Authorization": "SDK-HMAC-SHA256 Access=AK, Signature=abc"})
        assert error_code(bad) == (401, "ModelArts.0206")
        other = client.get(path, headers={"Authorization": "Basic dXNlcjpwYXNz"})
        assert error_code(other) == (401, "ModelArts.0206")
        assert error_code(client.get(path)) == (401, "ModelArts.0201")
    unsigned_date = sim.signed("GET", path).request
    headers = dict(unsigned_date.headers)
    headers["authorization"] = headers["authorization"].replace("host;x-project-id;x-sdk-date", "host;x-project-id")
    assert error_code(httpx.get(str(unsigned_date.url), headers=headers)) == (401, "ModelArts.0206")


async def test_project_in_the_path_must_be_the_credentials_project(sim: ModelArtsSim) -> None:
    other = uuid.uuid4().hex
    response = sim.signed("GET", f"/v2/{other}/training-job-flavors")
    assert error_code(response) == (403, "ModelArts.0210")
    with sim.client(sim.raw_token()) as client:
        assert error_code(client.get(f"/v1/{other}/notebooks")) == (403, "ModelArts.0210")


async def test_iam_lists_the_project_to_signed_callers_only(sim: ModelArtsSim) -> None:
    listed = sim.signed("GET", "/v3/projects", query=[("name", sim.config.project_name)])
    assert listed.json()["projects"][0]["id"] == sim.project_id
    assert httpx.get(f"{sim.url}/v3/projects").status_code == 401


# --------------------------------------------------------------------------- the adapter


async def test_adapter_signs_with_aksk_and_finds_its_project(sim: ModelArtsSim) -> None:
    async with aclosing(ModelArtsAdapter(sim.settings(auth="aksk", project_id=None))) as modelarts:
        assert await modelarts.list_flavors("training")
        assert await modelarts.list_flavors("notebook")
        assert await modelarts.list_flavors("inference")


async def test_adapter_with_a_wrong_secret_is_auth_failed(sim: ModelArtsSim) -> None:
    async with aclosing(ModelArtsAdapter(sim.settings(auth="aksk", project_id=sim.project_id, sk="y" * 40))) as modelarts:
        with pytest.raises(AuthFailed) as caught:
            await modelarts.list_flavors("notebook")
    assert (caught.value.code, caught.value.http_status) == ("ModelArts.0208", 401)


async def test_adapter_with_another_project_is_auth_failed(sim: ModelArtsSim) -> None:
    async with aclosing(ModelArtsAdapter(sim.settings(auth="aksk", project_id=uuid.uuid4().hex))) as modelarts:
        with pytest.raises(AuthFailed) as caught:
            await modelarts.list_flavors("inference")
    assert caught.value.code == "ModelArts.0210"


async def test_simulator_started_with_other_credentials(start_sim: StartSim) -> None:
    sim = start_sim(ak="OTHERACCESSKEY000001", sk="another-secret-key-of-forty-characters-x",
                          project_id="1" * 32)
    async with aclosing(ModelArtsAdapter(sim.settings(auth="aksk"))) as modelarts:
        assert await modelarts.list_flavors("training")
    assert error_code(sim.signed("GET", sim.v2("/training-job-flavors"), ak="SYSIMMODELARTSDEVAK1")) == (
        403, "ModelArts.0206"
    )
