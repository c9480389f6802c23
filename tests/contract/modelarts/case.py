"""The ModelArts simulator as the contract tests see it: its handle, the fast config they share, and ModelArts' case
of the adapter contract.

Raw calls go through `ModelArtsSim.client` (IAM token) or `ModelArtsSim.signed` (AK/SK, signed by huaweicloudsdkcore
as Huawei's own clients sign).
"""

import json
from collections.abc import Callable
from functools import partial
from typing import Any

import httpx
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest

from services.vendors.modelarts import DEFAULT_PRICES, ModelArtsAdapter, ModelArtsSettings
from services.vendorsim.modelarts import ModelArtsSimConfig, create_app
from services.vendors.base import SubmitRequest
from tests.contract.support import SimHandle, VendorCase, Words, training_request, wait_until

CPU = "modelarts.vm.cpu.8u"
ONE_V100 = "modelarts.p3.large.public"

training = partial(training_request, "swr.cn-north-4.myhuaweicloud.com/switchyard/train:1", "python train.py")


def request(name: str | None = None, *, flavor_id: str = CPU, **fields: Any) -> SubmitRequest:
    return training(flavor_id, name, **fields)


# Short phases keep the suite fast; jobs steer their own run time. Notebooks and services run until
# stopped, so the shared simulator has room for every one the session starts.
FAST_SIM = ModelArtsSimConfig(
    creating_s=0.1, pending_s=0.1, run_s=1.0, terminating_s=0.2, notebook_start_s=0.1, service_deploy_s=0.1,
    capacity=100,
)


class ModelArtsSim(SimHandle):
    config: ModelArtsSimConfig

    @property
    def project_id(self) -> str:
        return self.config.project_id

    def settings(self, **overrides: Any) -> ModelArtsSettings:
        """Adapter settings for this simulator (explicit, so SWITCHYARD_MODELARTS_* in the env cannot leak in)."""
        values: dict[str, Any] = {
            "endpoint": self.url,
            "iam_endpoint": None,
            "username": self.config.username,
            "password": self.config.password,
            "domain": self.config.domain,
            "project_id": None,
            "project_name": self.config.project_name,
            "timeout_s": 5.0,
            "search_offset_mode": self.config.search_offset_mode,
            "prices": dict(DEFAULT_PRICES),
            "auth": "token",
            "ak": self.config.ak,
            "sk": self.config.sk,
        }
        return ModelArtsSettings(**(values | overrides))

    def raw_token(self) -> str:
        body = {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {
                            "name": self.config.username,
                            "password": self.config.password,
                            "domain": {"name": self.config.domain},
                        }
                    },
                },
                "scope": {"project": {"name": self.config.project_name}},
            }
        }
        response = httpx.post(f"{self.url}/v3/auth/tokens", json=body)
        assert response.status_code == 201, response.text
        return response.headers["X-Subject-Token"]

    def wait_for(self, client: httpx.Client, path: str, read: Callable[[dict[str, Any]], str],
                 *values: str) -> dict[str, Any]:
        """The object at `path`, read raw through `client`, once `read(object)` is one of `values`."""
        def reached() -> dict[str, Any] | None:
            body = client.get(path).json()
            return body if read(body) in values else None
        return wait_until(reached, interval_s=0.03)

    def client(self, token: str | None = None) -> httpx.Client:
        """A plain HTTP client, authenticated with `token` when given."""
        headers = {"X-Auth-Token": token} if token else {}
        return httpx.Client(base_url=self.url, headers=headers)

    def v1(self, path: str) -> str:
        return f"/v1/{self.project_id}{path}"

    def v2(self, path: str) -> str:
        return f"/v2/{self.project_id}{path}"

    def signed(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        query: list[tuple[str, str]] | None = None,
        ak: str | None = None,
        sk: str | None = None,
        sdk_date: str | None = None,
        send_body: bytes | None = None,
    ) -> httpx.Response:
        """A raw call signed with AK/SK by the SDK's signer; `sdk_date` pins X-Sdk-Date, `send_body`
        replaces the body after signing (a tampered request)."""
        body = json.dumps(json_body).encode() if json_body is not None else b""
        headers = {"Content-Type": "application/json"} | ({"X-Sdk-Date": sdk_date} if sdk_date else {})
        request = SdkRequest(method=method, schema="http", host=self.url.removeprefix("http://"), resource_path=path,
                             query_params=list(query or []), header_params=headers, body=body)
        credentials = BasicCredentials(ak or self.config.ak, sk or self.config.sk, self.project_id)
        signed = credentials.sign_request(request)
        content = send_body if send_body is not None else body
        return httpx.request(method, signed.url, headers=dict(signed.header_params), content=content or None)


def error_code(response: httpx.Response) -> tuple[int, str]:
    """(HTTP status, ModelArts error code) of a raw answer."""
    return response.status_code, response.json()["error_code"]


def jobs_named(sim: ModelArtsSim, name: str) -> int:
    search = {"filters": [{"key": "name", "operator": "like", "value": [name]}]}
    with sim.client(sim.raw_token()) as client:
        return client.post(sim.v2("/training-job-searches"), json=search).json()["count"]


def prober(sim: ModelArtsSim) -> Callable[[], int]:
    token = sim.raw_token()
    return lambda: httpx.get(f"{sim.url}{sim.v2('/training-job-flavors')}", headers={"X-Auth-Token": token}).status_code


CASE = VendorCase(
    vendor="modelarts",
    create_app=create_app,
    fast_config=FAST_SIM,
    handle=ModelArtsSim,
    adapter=ModelArtsAdapter,
    request=training,
    flavors=lambda sim: (CPU, ONE_V100),
    words=Words(queued="Creating", waiting="Pending", running="Running", succeeded="Completed", failed="Failed",
                stopping="Terminating", stopped="Terminated"),
    reports_run_times=True,
    run_times_exact=True,
    failure_reason=lambda job: job.reason is not None and job.reason.startswith("Failed"),
    codes={
        "not_found": ("ModelArts.2775", 400),  # ModelArts reports a missing job as HTTP 400
        "invalid_steering": ("ModelArts.0101", 400),
        "unknown_flavor": ("ModelArts.2781", 400),
        "sold_out": ("ModelArts.6716", None),
        "throttled": ("ModelArts.2799", 429),
        "server_error": ("ModelArts.0010", 500),
        "down": (None, 503),
        "auth_failed": (None, 401),
    },
    wrong_credentials={"password": "not-the-password"},
    full=lambda start, sim: (start(capacity=1), ONE_V100),
    waiting_reason="Queuing",
    has_logs=True,
    has_metrics=True,
    jobs_named=jobs_named,
    paging=[({"search_offset_mode": "page"}, {}), ({"search_offset_mode": "record"}, {})],
    renews_tokens=True,
    prober=prober,
    unknown_job="00000000-0000-4000-8000-000000000000",
)
