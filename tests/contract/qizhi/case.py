"""The Qizhi simulator as the contract tests see it: its handle, the fast config they share, and Qizhi's case of
the adapter contract."""

from collections.abc import Callable
from functools import partial
from typing import Any

import httpx

from services.vendors.base import SubmitRequest
from services.vendors.qizhi import QizhiAdapter, QizhiSettings
from services.vendorsim.qizhi import QizhiSimConfig, create_app
from services.vendorsim.qizhi.catalog import LOGIC_COMPUTE_GROUPS
from tests.contract.support import SimHandle, VendorCase, Words, training_request

H100_1 = "6b1f9c2a-3d4e-4f50-8a6b-7c8d9e0f1a2b"  # 1 × H100, 14.6 / h
H100_8 = "4dd0e854-e2a4-4c3a-9f1e-1a2b3c4d5e6f"  # 8 × H100, 117.0 / h
A100_1 = "a3c5e7f9-0b2d-4f6a-8c1e-3a5c7e9f1b3d"  # 1 × A100, 11.1 / h
A100_8 = "8e2d7b4c-1a3f-4c6e-9d0b-2f4a6c8e0b1d"  # 8 × A100, 89.0 / h

training = partial(training_request, "docker.sii.shaipower.online/inspire-studio/ngc-cuda12.8-base:1.0",
                   "torchrun --nproc_per_node 1 train.py")


def request(name: str | None = None, *, flavor_id: str = H100_1, **fields: Any) -> SubmitRequest:
    return training(flavor_id, name, **fields)

# Short phases keep the suite fast; jobs steer their own run time.
FAST_SIM = QizhiSimConfig(created_s=0.05, queue_s=0.1, creating_s=0.1, run_s=1.0)


class QizhiSim(SimHandle):
    config: QizhiSimConfig

    def settings(self, **overrides: Any) -> QizhiSettings:
        """Adapter settings for this simulator, every field explicit so SWITCHYARD_QIZHI_* cannot leak in.

        The rate limit is generous here; the tests of the limits set their own.
        """
        values: dict[str, Any] = {
            "endpoint": self.url,
            "username": self.config.username,
            "password": self.config.password,
            "project_id": self.config.project_id,
            "workspace_id": self.config.workspace_id,
            "logic_compute_group_ids": [group.lcg_id for group in LOGIC_COMPUTE_GROUPS],
            "specs": None,
            "framework": "pytorch",
            "image_type": "SOURCE_PRIVATE",
            "task_priority": 4,
            "shm_gi": None,
            "timeout_s": 5.0,
            "create_timeout_s": 5.0,
            "rate_per_s": 500.0,
            "rate_burst": None,
            "concurrency": 8,
            "throttle_backoff_s": 1.0,
        }
        return QizhiSettings(**(values | overrides))

    def token(self) -> str:
        body = {"username": self.config.username, "password": self.config.password}
        response = httpx.post(f"{self.url}/auth/token", json=body)
        assert response.status_code == 200, response.text
        return response.json()["data"]["access_token"]

    def post(self, path: str, body: Any, token: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.post(f"{self.url}{path}", json=body, headers=headers)

    def jobs(self) -> list[dict[str, str]]:
        return httpx.get(f"{self.url}/_sim/jobs").json()

    def stats(self) -> dict[str, Any]:
        return httpx.get(f"{self.url}/_sim/stats").json()

    def reset_stats(self) -> None:
        assert httpx.delete(f"{self.url}/_sim/stats").status_code == 204


def prober(sim: QizhiSim) -> Callable[[], int]:
    token = sim.token()
    return lambda: sim.post("/openapi/v1/train_job/detail", {"job_id": "job-x"}, token).status_code


CASE = VendorCase(
    vendor="qizhi",
    create_app=create_app,
    fast_config=FAST_SIM,
    handle=QizhiSim,
    adapter=QizhiAdapter,
    request=training,
    flavors=lambda sim: (H100_1, H100_8),
    words=Words(queued="job_queuing", waiting="job_queuing", running="job_running", succeeded="job_succeeded",
                failed="job_failed", stopping="job_stopped", stopped="job_stopped"),
    reports_run_times=True,
    run_times_exact=True,
    failure_reason=lambda job: job.reason is not None and "exit code 1" in job.reason,
    codes={
        "invalid_steering": ("100002", None),  # HTTP 200 with a non-zero code
        "unknown_flavor": (None, None),  # refused by the adapter: no spec list names it
        "sold_out": ("100002", None),
        "throttled": (None, 429),
        "server_error": ("100000", 500),
        "down": (None, 503),
    },
    says={"invalid_steering": "参数错误", "unknown_flavor": "unknown spec", "sold_out": "资源不足",
          "auth_failed": "login refused"},
    wrong_credentials={"password": "wrong"},
    full=lambda start, sim: (start(capacity=1), H100_1),
    waiting_reason="资源不足，排队中",
    stopped_unstarted_has_end=True,
    jobs_named=lambda sim, name: sum(1 for job in sim.jobs() if job["name"] == name),
    renews_tokens=True,
    prober=prober,
    unknown_job="job-00000000-0000-0000-0000-000000000000",
)
