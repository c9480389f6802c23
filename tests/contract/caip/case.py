"""The CAIP simulator as the contract tests see it: its handle, the fast config they share, and CAIP's case of the
adapter contract."""

from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

import httpx

from services.vendors.caip import CaipAdapter, CaipSettings
from services.vendorsim.caip import API_PREFIX, LOGIN_PATH, CaipSimConfig, create_app, default_flavor_id
from services.vendors.base import SubmitRequest
from tests.contract.support import SimHandle, VendorCase, Words, training_request

MLU370 = default_flavor_id("mlu370-x1")
MLU370_X4 = default_flavor_id("mlu370-x4")
IMAGE = "harbor.example.com/caip/pytorch:1.13-mlu"

training = partial(training_request, IMAGE, "python train.py")


def request(name: str | None = None, *, flavor_id: str = MLU370, **fields: Any) -> SubmitRequest:
    return training(flavor_id, name, **fields)


# Short phases keep the suite fast; jobs steer their own run time.
FAST_SIM = CaipSimConfig(pending_s=0.1, run_s=1.0, aborting_s=0.2, terminating_s=0.2, volume_ready_s=0.1)


class CaipSim(SimHandle):
    config: CaipSimConfig

    @property
    def namespace(self) -> str:
        return self.config.namespace

    def settings(self, **overrides: Any) -> CaipSettings:
        """Adapter settings for this simulator (explicit, so SWITCHYARD_CAIP_* in the env cannot leak in)."""
        values: dict[str, Any] = {
            "endpoint": self.url,
            "api_prefix": API_PREFIX,
            "auth_path": LOGIN_PATH,
            "username": self.config.username,
            "password": self.config.password,
            "namespace": self.config.namespace,
            "token_ttl_s": 12 * 3600.0,
            "timeout_s": 5.0,
            "offset_mode": self.config.offset_mode,
            "page_size": 50,
            "cny_per_credit": Decimal(1),
            "priority_class": "train-job-priority-1",
            "distributed_commun_type": "pytorch",
            "find_name_before_create": True,
        }
        return CaipSettings(**(values | overrides))

    def token(self) -> str:
        response = httpx.post(
            f"{self.url}{LOGIN_PATH}", json={"identity": self.config.username, "password": self.config.password}
        )
        assert response.status_code == 201, response.text
        return response.headers["X-Subject-Token"]

    def client(self, token: str | None = None, prefix: str = API_PREFIX) -> httpx.Client:
        """A plain HTTP client under `{prefix}/v2`, authenticated with `token` when given."""
        headers = {"X-Auth-Token": token} if token else {}
        return httpx.Client(base_url=f"{self.url}{prefix}/v2", headers=headers)


def jobs_named(sim: CaipSim, name: str) -> int:
    with sim.client(sim.token()) as client:
        listed = client.get(f"/namespace/{sim.namespace}/batch-trainingjob", params={"name": name})
    return listed.json()["metadata"]["total"]


def prober(sim: CaipSim) -> Callable[[], int]:
    token = sim.token()
    return lambda: httpx.get(f"{sim.url}{API_PREFIX}/v2/flavor", headers={"X-Auth-Token": token}).status_code


CASE = VendorCase(
    vendor="caip",
    create_app=create_app,
    fast_config=FAST_SIM,
    handle=CaipSim,
    adapter=CaipAdapter,
    request=training,
    flavors=lambda sim: (MLU370, MLU370_X4),
    words=Words(queued="Pending", waiting="Pending", running="Running", succeeded="Completed", failed="Failed",
                stopping="Aborting", stopped="Aborted"),  # Aborting: pods still terminate (and hold the flavor)
    reports_run_times=False,  # the watcher observes them
    run_times_exact=False,
    failure_reason=lambda job: job.reason == f"{job.name}-0: 1 of 1 pods failed",
    codes={
        "not_found": ("404", 404),
        "invalid_steering": ("400", 400),
        "unknown_flavor": ("400", 400),
        "sold_out": ("422", 422),
        "throttled": ("429", 429),
        "server_error": ("500", 500),
        "down": ("503", 503),
        "auth_failed": (None, 401),
    },
    says={"sold_out": "insufficient resources: flavor {flavor} is sold out"},
    wrong_credentials={"password": "wrong"},
    full=lambda start, sim: (start(flavor_replicas=1), MLU370),
    jobs_named=jobs_named,
    paging=[({"offset_mode": mode, "flavor_replicas": 100}, {"page_size": 7}) for mode in ("item", "page")],
    lists_oldest_first=True,
    renews_tokens=True,
    prober=prober,
    unknown_job="00000000-0000-4000-8000-000000000000",
)
