"""The AI Space simulator as the contract tests see it: its handle (with a signed raw client), the fast config they
share, its packages, and AI Space's case of the adapter contract."""

import json
from functools import partial
from typing import Any

import httpx

from services.vendors.aispace import AISpaceAdapter, AISpaceSettings
from services.vendors.aispace.auth import sign
from services.vendors.base import SubmitRequest
from services.vendorsim.aispace import AISpaceSimConfig, create_app
from tests.contract.support import SimHandle, VendorCase, Words, training_request

V1 = "/api/aidp/v1"
ALPHA = "/api/aidp/alpha"

training = partial(training_request, "image.ccos.io/switchyard/train:1", "python train.py")

FAST_SIM = AISpaceSimConfig(pending_s=0.1, run_s=1.0, debug_ready_s=0.1)


class AISpaceSim(SimHandle):
    config: AISpaceSimConfig

    def settings(self, **overrides: Any) -> AISpaceSettings:
        """Adapter settings for this simulator (explicit, so SWITCHYARD_AISPACE_* in the env cannot leak in)."""
        values: dict[str, Any] = {
            "endpoint": self.url,
            "ak": self.config.ak,
            "sk": self.config.sk,
            "region": self.config.region,
            "project_id": self.config.project_id,
            "timeout_s": 5.0,
            "page_size": 100,
        }
        return AISpaceSettings(**(values | overrides))

    def call(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, Any] | list[tuple[str, str]] | None = None,
        body: Any = None,
        region: str | None = None,
        ak: str | None = None,
        sk: str | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """A signed request with the region header (what any AI Space client sends), unwrapped by nobody."""
        items = list(query.items()) if isinstance(query, dict) else list(query or [])
        items = [(key, value if isinstance(value, str) else json.dumps(value)) for key, value in items]
        content = b"" if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "x-regionid": self.config.region if region is None else region}
        headers |= extra_headers or {}
        url, signed = sign(ak or self.config.ak, sk or self.config.sk, method, httpx.URL(self.url), path, items,
                           headers, content)  # fmt: skip
        return httpx.request(method, url, content=content, headers=signed, timeout=5.0)

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        """The JSON body of a call that must succeed."""
        response = self.call(method, path, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()


def packages(sim: AISpaceSim, spec_type: str = "compute") -> list[dict[str, Any]]:
    body = sim.ok("POST", f"{V1}/resource/list", query={"requestInfo": "region1"},
                  body={"pageSize": 100, "pageNum": 1, "specType": spec_type})  # fmt: skip
    return body["data"]["list"]


def package(sim: AISpaceSim, spec_code: str) -> dict[str, Any]:
    """The first package of `spec_code` bound to the default project."""
    return next(p for p in packages(sim) if p["specCode"] == spec_code and p["project"] == sim.config.project_name)


def request(flavor_id: str, kind: str = "training", task: str | None = None, **env: str) -> SubmitRequest:
    """A job of `kind` on the package `flavor_id`; only training runs a command."""
    req = training(flavor_id, task=task, **env)
    return req if kind == "training" else SubmitRequest(
        name=req.name, kind=kind, image=req.image, command=None, env=env, flavor_id=flavor_id)  # type: ignore[arg-type]


CASE = VendorCase(
    vendor="aispace",
    create_app=create_app,
    fast_config=FAST_SIM,
    handle=AISpaceSim,
    adapter=AISpaceAdapter,
    request=training,
    flavors=lambda sim: (package(sim, "calculate")["resourceId"], package(sim, "calculate2H80050c")["resourceId"]),
    words=Words(queued="Pending", waiting="Pending", running="Running", succeeded="Succeeded", failed="Failed",
                stopping="Terminated", stopped="Terminated"),
    reports_run_times=True,
    run_times_exact=False,
    stopped_has_start=False,  # Terminated: stopped, perhaps while Pending; the 7.4 detail does not say it ran
    failure_reason=lambda job: job.reason is None,  # AI Space gives no reason
    codes={
        "not_found": (None, 404),  # Cube Studio says "Not found" without a code
        "sold_out": ("InsufficientResource", None),
        "throttled": ("Throttling", 429),
        "server_error": ("InternalError", 500),
        "down": (None, 503),
    },
    wrong_credentials={"sk": "not-the-secret"},
    # the 2 x H800 package runs one node at a time
    full=lambda start, sim: (fresh := start(), package(fresh, "calculate2H80050c")["resourceId"]),
    prober=lambda sim: lambda: sim.call("POST", f"{V1}/resource/list", query={"requestInfo": sim.config.region},
                                        body={"pageSize": 1, "pageNum": 1, "specType": "compute"}).status_code,
    unknown_job="slm:999999",
)
