"""Notebooks v1 (ch. 5): instances, their flavors, leases (auto-stop), start/stop and the guard errors.

Each create or start is a *run*: INIT (notebook_init_s, create only) -> CREATING | STARTING
(notebook_start_s, and longer while the flavor has no free slot: [INFER] the doc has no queue
status for notebooks, so a queued one stays CREATING/STARTING with its action_progress step 2,
"prepare compute resources", WAITING) -> RUNNING -> STOPPING
(terminating_s) -> STOPPED. A run ends when it is stopped or when its lease runs out: [DOC] the
instance stops once `lease.create_at + lease.duration` has passed; `create_at` is the instance's
creation time, so a (re)start or a renewal recomputes `duration` to reach the new deadline.
SNAPSHOTTING comes from create-image; DELETING -> DELETED from delete ([INFER] a deleted instance
still answers GET as DELETED, and lists leave it out unless asked for). The states the platform
alone causes (CREATE_FAILED, START_FAILED, ERROR, FROZEN, DELETE_FAILED) are set through
`PUT /_sim/notebooks/{id}/status`.

[INFER] `update_at`, the instance's last update, is the time of its latest status change (or PUT).
"""

import base64
import html
import math
import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel

from services.vendorsim.faults import FaultInjector
from services.vendorsim.modelarts.config import ModelArtsSimConfig
from services.vendorsim.modelarts.errors import ModelArtsError, invalid, json_body
from services.vendorsim.modelarts.images import Images
from services.vendorsim.modelarts.slots import Claim, Slots
from services.vendorsim.modelarts.wire import int_value, ms, record_page
from services.vendorsim.public_url import PublicUrl

STATUSES = (
    "INIT", "CREATING", "STARTING", "STOPPING", "DELETING", "RUNNING", "STOPPED", "SNAPSHOTTING",
    "CREATE_FAILED", "START_FAILED", "DELETE_FAILED", "ERROR", "DELETED", "FROZEN",
)  # fmt: skip
# Set only through the simulator's control path, each allowed from these statuses.
PLATFORM_STATUSES: dict[str, tuple[str, ...]] = {
    "CREATE_FAILED": ("INIT", "CREATING"),
    "START_FAILED": ("STARTING",),
    "DELETE_FAILED": ("DELETING",),
    "ERROR": tuple(s for s in STATUSES if s not in ("DELETED",)),
    "FROZEN": tuple(s for s in STATUSES if s not in ("DELETED", "DELETING")),
}
_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_FORBIDDEN_DESCRIPTION = set('&<>"\'/')
_EVS_MIN_GB, _EVS_MAX_GB, _EVS_DEFAULT_GB = 5, 4096, 5
_SORT_KEYS = ("create_at", "update_at", "name", "status", "flavor")

# --------------------------------------------------------------------------- flavors


@dataclass(frozen=True)
class NotebookFlavor:
    id: str
    name: str
    arch: str
    category: Literal["CPU", "GPU", "ASCEND"]
    vcpus: int
    memory_gib: int
    billing_code: str
    billing_units: int
    description: str
    accelerators: int = 0
    accelerator_type: str = ""
    accelerator_memory: str = ""
    free: bool = False

    def to_response(self, sold_out: bool) -> dict[str, Any]:
        """NotebookFlavor (表 5-83); `memory` is in KiB (8388608 is "8GB" in the doc's example)."""
        item: dict[str, Any] = {
            "arch": self.arch,
            "billing": {"code": self.billing_code, "unit_num": self.billing_units},
            "category": self.category,
            "description": self.description,
            "feature": "DEFAULT" if self.free else "NOTEBOOK",
            "free": self.free,
            "id": self.id,
            "memory": self.memory_gib * 1024 * 1024,
            "name": self.name,
            "sold_out": sold_out,
            # [INFER] the doc's Ascend example lists EFS only (a dedicated pool); public flavors take EVS.
            "storages": ["EVS", "OBSFS", "EFS", "OBS"],
            "vcpus": self.vcpus,
        }
        if self.category == "GPU":
            item["gpu"] = {"gpu": self.accelerators, "gpu_memory": self.accelerator_memory,
                           "type": self.accelerator_type}
        elif self.category == "ASCEND":
            item["ascend"] = {"npu": self.accelerators, "npu_memory": self.accelerator_memory,
                              "type": self.accelerator_type}
        return item


# fmt: off
FLAVORS: tuple[NotebookFlavor, ...] = (
    NotebookFlavor("modelarts.vm.cpu.free", "CPU: 2核 8GB", "x86_64", "CPU", 2, 8, "modelarts.vm.cpu.free", 1,
                   "CodeLab free flavor", free=True),
    NotebookFlavor("modelarts.vm.cpu.2u", "CPU: 2核 8GB", "x86_64", "CPU", 2, 8, "modelarts.vm.cpu.2u", 1,
                   "Intel CPU通用规格，用于快速数据探索和实验"),
    NotebookFlavor("modelarts.vm.cpu.8u", "CPU: 8核 32GB", "x86_64", "CPU", 8, 32, "modelarts.vm.cpu.8u", 1,
                   "Intel CPU算力增强型，适用于密集计算场景下运算"),
    NotebookFlavor("modelarts.vm.gpu.vnt1", "GPU: 1*Vnt1(32GB)|CPU: 8vCPUs 64GB", "x86_64", "GPU", 8, 64,
                   "modelarts.vm.gpu.vnt1", 1, "GPU flavor for deep learning development", 1, "GP-Vnt1", "32GB"),
    NotebookFlavor("modelarts.bm.snt9.xlarge.2", "Ascend: 2*Ascend snt9|CPU: 48vCPUs 192GB", "aarch64", "ASCEND",
                   48, 192, "modelarts.kat1.xlarge", 2,
                   "The Ascend specification is suitable for deep learning code running and debugging",
                   2, "ascend-snt9", "32"),
    NotebookFlavor("modelarts.bm.snt9.xlarge.8", "Ascend: 8*Ascend snt9|CPU: 192vCPUs 768GB", "aarch64", "ASCEND",
                   192, 768, "modelarts.kat1.8xlarge", 1,
                   "The Ascend specification is suitable for deep learning code running and debugging",
                   8, "ascend-snt9", "128"),
)
# fmt: on

# --------------------------------------------------------------------------- instances


@dataclass(eq=False)
class _Run:
    """One create or start, until it is stopped, runs out of lease, is deleted or hits a platform state."""

    kind: Literal["create", "start"]
    requested_at: float
    claim: Claim
    deadline: float  # lease end (inf: auto-stop disabled)
    lease_type: str
    lease_update_at: float
    stop_at: float | None = None  # stop request
    platform: tuple[float, str, str] | None = None  # (at, status, reason) from the control path
    snapshots: list[tuple[float, float]] = field(default_factory=list)

    @property
    def ends_at(self) -> float:
        """When RUNNING ends: the stop request or the lease end, whichever comes first."""
        return min(self.stop_at if self.stop_at is not None else math.inf, self.deadline)


@dataclass(eq=False)
class _Notebook:
    id: str
    name: str
    description: str
    flavor: NotebookFlavor
    image_id: str
    volume: dict[str, Any]
    feature: str
    workspace_id: str
    endpoints: list[dict[str, Any]]
    hooks: dict[str, Any] | None
    token: str
    created_at: float
    runs: list[_Run] = field(default_factory=list)
    delete_at: float | None = None
    delete_failed: tuple[float, str] | None = None  # (at, reason)
    edited_at: float = 0.0  # last PUT update

    @property
    def run(self) -> _Run:
        return self.runs[-1]


def _not_found(notebook_id: str) -> ModelArtsError:
    return ModelArtsError(400, "ModelArts.6309", f"The instance does not exist. ({notebook_id})")


class Notebooks:
    def __init__(self, config: ModelArtsSimConfig, slots: Slots, images: Images,
                 public_url: PublicUrl | None = None) -> None:
        self._config = config
        self._slots = slots
        self._images = images
        self._public_url = public_url or PublicUrl(config.public_url)
        self._flavors = {flavor.id: flavor for flavor in FLAVORS}
        self._notebooks: dict[str, _Notebook] = {}
        self._user = {
            "id": "u" + config.project_id[1:],
            "name": config.username,
            "domain": {"id": "d" + config.project_id[1:], "name": config.domain},
        }

    # ---- flavors

    def flavors(self, query: dict[str, str], sold_out: set[str]) -> dict[str, Any]:
        category, pool_type = query.get("category"), query.get("type", "MANAGED")
        if category not in (None, "CPU", "GPU", "ASCEND") or pool_type not in ("MANAGED", "DEDICATED"):
            raise ModelArtsError(400, "ModelArts.6336", "`category` or `type` property value is incorrect.")
        found = [
            flavor.to_response(flavor.id in sold_out)
            for flavor in FLAVORS
            if category in (None, flavor.category) and pool_type == "MANAGED"  # no dedicated pools simulated
        ]
        if query.get("sort_dir", "DESC").upper() == "ASC":
            found.reverse()
        limit = int_value(query["limit"], "limit", minimum=1) if "limit" in query else None
        page = record_page(found, int_value(query.get("offset", 0), "offset", minimum=0), limit)
        return {**page, "flavors": page["data"]}

    def switchable_flavors(self, notebook_id: str, now: float, sold_out: set[str]) -> dict[str, Any]:
        """[INFER] a stopped instance may switch to any billed flavor of the same architecture."""
        notebook = self.get(notebook_id, now)
        found = [flavor.to_response(flavor.id in sold_out) for flavor in self._switchable(notebook)]
        page = record_page(found, 0, None)
        return {**page, "flavors": page["data"]}

    def _switchable(self, notebook: _Notebook) -> list[NotebookFlavor]:
        return [f for f in FLAVORS if f.arch == notebook.flavor.arch and not f.free and f.id != notebook.flavor.id]

    # ---- commands

    def create(self, body: Any, now: float, sold_out: set[str]) -> _Notebook:
        self._slots.advance(now)
        if not isinstance(body, dict):
            raise invalid("the body must be an object.")
        for required in ("name", "flavor", "image_id", "volume"):
            if body.get(required) in (None, ""):
                raise ModelArtsError(400, "ModelArts.6335", f"`{required}` is a required property.")
        name, description = body["name"], body.get("description") or ""
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise ModelArtsError(400, "ModelArts.6334", f"Invalid value for name or description. The character "
                                                        f"`{_first_bad(str(name))}` is not allowed.")
        _check_description(description)
        flavor = self._flavors.get(body["flavor"]) if isinstance(body["flavor"], str) else None
        if flavor is None:
            raise ModelArtsError(400, "ModelArts.6323", "The flavor is not supported, please check it.")
        feature = body.get("feature") or "NOTEBOOK"
        if feature not in ("DEFAULT", "NOTEBOOK") or (feature == "DEFAULT") != flavor.free:
            raise ModelArtsError(400, "ModelArts.6870",
                                 f"Specified flavor {flavor.id} does not support current instance feature {feature}.")
        if feature == "DEFAULT" and any(
            nb.feature == "DEFAULT" and self._status(nb, now)[0] != "DELETED" for nb in self._notebooks.values()
        ):
            raise ModelArtsError(400, "ModelArts.6301", "The instance already exists.")  # one CodeLab per user
        image = self._images.get(str(body["image_id"]))
        if flavor.category not in image.resource_categories:
            raise ModelArtsError(400, "ModelArts.6330",
                                 "The flavor type of profile does not match the type of flavor. Please check it.")
        volume = _volume(body["volume"])
        if flavor.id in sold_out:
            raise ModelArtsError(400, "ModelArts.6329",
                                 "Sorry, this flavor specification is sold out. Please try others.")
        lease = body.get("lease") if isinstance(body.get("lease"), dict) else {}
        # [DOC] a top-level `duration` overrides `lease.duration` and makes the stop timed.
        duration_ms = body.get("duration") if body.get("duration") is not None else lease.get("duration")
        lease_type = "timing" if body.get("duration") is not None else str(lease.get("type") or "timing")
        notebook = _Notebook(
            id=str(uuid.uuid4()),
            name=name,
            description=description,
            flavor=flavor,
            image_id=image.id,
            volume=volume,
            feature=feature,
            workspace_id=str(body.get("workspace_id") or "0"),
            endpoints=_endpoints(body.get("endpoints")),
            hooks=_hooks(body.get("hooks")),
            token=str(uuid.uuid4()),
            created_at=now,
        )
        notebook.runs.append(self._new_run("create", notebook, now, duration_ms, lease_type))
        self._notebooks[notebook.id] = notebook
        return notebook

    def get(self, notebook_id: str, now: float) -> _Notebook:
        self._slots.advance(now)
        notebook = self._notebooks.get(notebook_id)
        if notebook is None:
            raise _not_found(notebook_id)
        return notebook

    def page(self, notebook_id: str, now: float) -> tuple[int, str]:
        """(HTTP status, HTML) at a notebook's `url`: 200 naming it while RUNNING, 503 in any other status, 404 for
        an instance the account does not have. [INFER] the real page is JupyterLab behind the console's login."""
        self._slots.advance(now)
        notebook = self._notebooks.get(notebook_id)
        if notebook is None:
            return 404, _page("Not Found", f"No notebook instance {notebook_id}.")
        status = self._status(notebook, now)[0]
        if status != "RUNNING":
            return 503, _page(f"{notebook.name} is not running", f"Notebook {notebook.name} is {status}.")
        return 200, _page(f"{notebook.name} - JupyterLab", f"JupyterLab of notebook {notebook.name} ({notebook.id}).")

    def start(self, notebook_id: str, query: dict[str, str], now: float, sold_out: set[str]) -> _Notebook:
        notebook = self.get(notebook_id, now)
        status = self._status(notebook, now)[0]
        self._guard(status, allowed=("STOPPED", "START_FAILED", "ERROR"), action="start")
        if notebook.flavor.id in sold_out:
            raise ModelArtsError(400, "ModelArts.6360", "Failed to start the notebook due to insufficient background "
                                                        "resources. Try again later.")
        duration_ms = int_value(query["duration"], "duration", minimum=0) if "duration" in query else None
        lease_type = query.get("type", "timing")
        if lease_type.lower() not in ("timing", "idle"):
            raise ModelArtsError(400, "ModelArts.6336", "`type` property value is incorrect.")
        notebook.runs.append(self._new_run("start", notebook, now, duration_ms, lease_type))
        return notebook

    def stop(self, notebook_id: str, now: float) -> _Notebook:
        notebook = self.get(notebook_id, now)
        self._guard(self._status(notebook, now)[0], allowed=("RUNNING",), action="stop")
        run = notebook.run
        run.stop_at = now
        # [DOC] as in the doc's stop example, the lease is reset to the default length from now.
        run.deadline = now + self._config.default_lease_s * self._config.lease_scale
        run.lease_update_at = now
        self._slots.release(run.claim, now + self._config.terminating_s)
        return notebook

    def delete(self, notebook_id: str, now: float) -> _Notebook:
        notebook = self.get(notebook_id, now)
        self._guard(self._status(notebook, now)[0], allowed=(
            "INIT", "CREATING", "STARTING", "STOPPED", "CREATE_FAILED", "START_FAILED", "DELETE_FAILED", "ERROR",
        ), action="delete")
        notebook.delete_at, notebook.delete_failed = now, None
        self._slots.release(notebook.run.claim, now)
        return notebook

    def update(self, notebook_id: str, body: Any, now: float) -> _Notebook:
        notebook = self.get(notebook_id, now)
        if not isinstance(body, dict):
            raise invalid("the body must be an object.")
        status = self._status(notebook, now)[0]
        if status == "FROZEN":
            raise _frozen()
        if status != "STOPPED":  # [DOC] updates only while the instance is stopped
            param = next(iter(body), "name")
            raise ModelArtsError(400, "ModelArts.6347", f"When the instance is in the '{status}' status, "
                                                        f"the '{param}' parameter cannot be modified.")
        if "name" in body and (not isinstance(body["name"], str) or not _NAME_RE.match(body["name"])):
            raise ModelArtsError(400, "ModelArts.6334", "Invalid value for name or description. The character "
                                                        f"`{_first_bad(str(body['name']))}` is not allowed.")
        if "description" in body:
            _check_description(body["description"])
        flavor = notebook.flavor
        if body.get("flavor") not in (None, flavor.id):
            flavor = next((f for f in self._switchable(notebook) if f.id == body["flavor"]), None)
            if flavor is None:
                raise ModelArtsError(400, "ModelArts.6792",
                                     f"Instance {notebook.id} does not support to update flavor to {body['flavor']}, "
                                     "please try another flavor.")
        image_id = self._images.get(str(body["image_id"])).id if body.get("image_id") else notebook.image_id
        capacity = notebook.volume["capacity"]
        if body.get("storage_new_size") is not None:
            new_size = int_value(body["storage_new_size"], "storage_new_size", minimum=1)
            if notebook.volume["category"] != "EVS" or not capacity < new_size <= _EVS_MAX_GB:
                raise ModelArtsError(400, "ModelArts.6331",
                                     f"The evs volume size ranges from {capacity + 1} GB to {_EVS_MAX_GB} GB.")
            capacity = new_size
        notebook.name = body.get("name", notebook.name)
        notebook.description = body.get("description", notebook.description)
        notebook.flavor, notebook.image_id = flavor, image_id
        notebook.volume["capacity"] = capacity
        if "endpoints" in body:
            notebook.endpoints = _endpoints(body["endpoints"])
        if "hooks" in body:
            notebook.hooks = _hooks(body["hooks"])
        notebook.edited_at = now
        return notebook

    def renew_lease(self, notebook_id: str, query: dict[str, str], body: Any, now: float) -> dict[str, Any]:
        """PATCH .../lease: [DOC] a `duration` in the query wins over the body; the new end is now + duration."""
        notebook = self.get(notebook_id, now)
        status = self._status(notebook, now)[0]
        if status == "FROZEN":
            raise _frozen()
        if status not in ("RUNNING", "SNAPSHOTTING"):
            raise ModelArtsError(400, "ModelArts.6327",
                                 "The instance is not in running. Please refresh the page and start it.")
        body = body if isinstance(body, dict) else {}
        raw = query.get("duration", body.get("duration"))
        if raw is None:
            raise ModelArtsError(400, "ModelArts.6348", "The 'duration' parameter is mandatory for enabling auto stop.")
        duration_ms = int_value(raw, "duration", minimum=-(2**62))
        run = notebook.run
        run.deadline = self._deadline(now, duration_ms)
        run.lease_type = "timing" if "duration" in query else str(body.get("type") or "timing")
        run.lease_update_at = now
        self._slots.extend(run.claim, run.deadline + self._config.terminating_s)
        return self._lease(notebook)

    def lease(self, notebook_id: str, now: float) -> dict[str, Any]:
        return self._lease(self.get(notebook_id, now))

    def create_image(self, notebook_id: str, body: Any, now: float) -> dict[str, Any]:
        notebook = self.get(notebook_id, now)
        status = self._status(notebook, now)[0]
        if status == "FROZEN":
            raise _frozen()
        if status != "RUNNING":
            raise ModelArtsError(400, "ModelArts.6327",
                                 "The instance is not in running. Please refresh the page and start it.")
        ends = now + self._config.terminating_s
        notebook.run.snapshots.append((now, ends))
        image = self._images.save_snapshot(body if isinstance(body, dict) else {}, notebook.flavor.arch.upper(),
                                           [notebook.flavor.category], now, ends)
        view = image.view(now)
        view["status"] = "INIT"  # [DOC] the create-image answer shows INIT
        return view

    def set_platform_status(self, notebook_id: str, status: str, reason: str, now: float) -> _Notebook:
        """Simulator control: a state the platform alone causes (failure, error, arrears)."""
        notebook = self.get(notebook_id, now)
        current = self._status(notebook, now)[0]
        if status not in PLATFORM_STATUSES or current not in PLATFORM_STATUSES[status]:
            raise ModelArtsError(409, "ModelArts.6357", f"{status} cannot follow {current}.")
        if status == "DELETE_FAILED":
            notebook.delete_failed = (now, reason)
            return notebook
        notebook.run.platform = (now, status, reason)
        self._slots.release(notebook.run.claim, now)
        return notebook

    # ---- status

    def _new_run(self, kind: Literal["create", "start"], notebook: _Notebook, now: float, duration_ms: Any,
                 lease_type: str) -> _Run:
        if duration_ms is None:
            deadline = now + self._config.default_lease_s * self._config.lease_scale
        else:
            deadline = self._deadline(now, int_value(duration_ms, "duration", minimum=-(2**62)))
        init_s = self._config.notebook_init_s if kind == "create" else 0.0
        claim = self._slots.claim(notebook.flavor.id, 1, now + init_s + self._config.notebook_start_s,
                                  until=deadline + self._config.terminating_s)
        return _Run(kind, now, claim, deadline, lease_type, now)

    def _deadline(self, now: float, duration_ms: int) -> float:
        if duration_ms <= 0:
            raise ModelArtsError(400, "ModelArts.6346",
                                 "The timestamp of auto stop must be later than the current timestamp.")
        min_ms, max_ms = int(self._config.min_lease_s * 1000), int(self._config.max_lease_s * 1000)
        if not min_ms <= duration_ms <= max_ms:
            raise ModelArtsError(400, "ModelArts.6349",
                                 f"The 'duration' parameter is incorrect. The value ranges from {min_ms} to {max_ms}.")
        return now + duration_ms / 1000 * self._config.lease_scale

    def _run_timeline(self, run: _Run) -> list[tuple[float, str, str]]:
        """(time, status, reason) of one run, including what lies ahead of now."""
        config = self._config
        claim = run.claim
        happened: list[tuple[float, str, str]] = []
        if run.kind == "create":
            if config.notebook_init_s > 0:
                happened.append((run.requested_at, "INIT", ""))
            happened.append((run.requested_at + config.notebook_init_s, "CREATING", ""))
        else:
            happened.append((run.requested_at, "STARTING", ""))
        ends = run.ends_at
        if claim.start_at is not None and claim.start_at < ends:
            happened.append((claim.start_at, "RUNNING", ""))
            for begins, finishes in run.snapshots:
                happened += [(begins, "SNAPSHOTTING", ""), (min(finishes, ends), "RUNNING", "")]
        if ends < math.inf:
            happened += [(ends, "STOPPING", ""), (ends + config.terminating_s, "STOPPED", "")]
        if run.platform is not None:
            at, status, reason = run.platform
            happened = [item for item in happened if item[0] < at] + [(at, status, reason)]
        return happened

    def _status(self, notebook: _Notebook, now: float) -> tuple[str, float, str]:
        """(status, since, reason) at `now`; call after `advance(now)`."""
        happened = [item for run in notebook.runs for item in self._run_timeline(run)]
        if notebook.delete_at is not None:
            happened = [item for item in happened if item[0] < notebook.delete_at]
            happened.append((notebook.delete_at, "DELETING", ""))
            if notebook.delete_failed is not None:
                happened.append((notebook.delete_failed[0], "DELETE_FAILED", notebook.delete_failed[1]))
            else:
                happened.append((notebook.delete_at + self._config.terminating_s, "DELETED", ""))
        # A stable sort keeps the order of simultaneous changes: the later one in the list wins.
        past = [item for item in sorted(happened, key=lambda item: item[0]) if item[0] <= now]
        at, status, reason = past[-1] if past else (notebook.created_at, "INIT", "")
        return status, at, reason

    def _guard(self, status: str, *, allowed: tuple[str, ...], action: str) -> None:
        """The documented errors for an action in the wrong state."""
        if status in allowed:
            return
        if status == "FROZEN":
            raise _frozen()
        if status in ("RUNNING", "SNAPSHOTTING") and action == "start":
            raise ModelArtsError(400, "ModelArts.6305", "The instance is already running.")
        if status in ("RUNNING", "SNAPSHOTTING") and action == "delete":
            raise ModelArtsError(400, "ModelArts.6304", "Please stop the instance before deleting.")
        if status in ("INIT", "CREATING", "STARTING"):
            raise ModelArtsError(400, "ModelArts.6306", "The instance is starting.")
        if status == "STOPPING":
            raise ModelArtsError(400, "ModelArts.6308", "The instance is stopping.")
        if status == "STOPPED" and action == "stop":
            raise ModelArtsError(400, "ModelArts.6307", "The instance has already been stopped.")
        raise ModelArtsError(400, "ModelArts.6357", "The operation is not allowed because another operation is being "
                                                    "performed on the instance or the instance is in the target state.")

    # ---- views

    def _lease(self, notebook: _Notebook) -> dict[str, Any]:
        """Lease (表 5-13): `duration` counts from the instance's creation."""
        run = notebook.run
        enabled = run.deadline < math.inf
        return {
            "create_at": ms(notebook.created_at),
            "duration": ms(run.deadline) - ms(notebook.created_at) if enabled else 0,
            "enable": enabled,
            "type": run.lease_type.upper(),  # [DOC] documented lower-case, returned upper-case
            "update_at": ms(run.lease_update_at),
        }

    def _progress(self, notebook: _Notebook, now: float) -> list[dict[str, Any]]:
        """JobProgress (表 5-10) of the latest create or start."""
        run, claim = notebook.run, notebook.run.claim
        running = claim.start_at is not None
        storage_ready = now >= run.requested_at + (self._config.notebook_init_s if run.kind == "create" else 0)
        compute = "COMPLETED" if running else "WAITING" if now >= claim.ready_at else "PROCESSING"
        steps = [
            (1, "prepare storage", "COMPLETED" if storage_ready else "PROCESSING"),
            (2, "prepare compute resources", compute if storage_ready else "WAITING"),
            (3, "configure network", "COMPLETED" if running else "WAITING"),
            (4, "initialize instance", "COMPLETED" if running else "WAITING"),
        ]
        return [{"notebook_id": notebook.id, "status": status, "step": step, "step_description": text}
                for step, text, status in steps]

    def view(self, notebook: _Notebook, now: float) -> dict[str, Any]:
        """NotebookResp (表 5-9)."""
        status, since, reason = self._status(notebook, now)
        image = self._images.get(notebook.image_id).view(now)
        item: dict[str, Any] = {
            "action_progress": self._progress(notebook, now),
            "billing_items": ["STORAGE"] if status in ("STOPPED", "FROZEN") else ["ALL"],
            "create_at": ms(notebook.created_at),
            "description": notebook.description,
            "endpoints": [{**endpoint, "uri": "192.168.0.10"} for endpoint in notebook.endpoints],
            "feature": notebook.feature,
            "flavor": notebook.flavor.id,
            "id": notebook.id,
            "image": {key: image[key] for key in ("id", "name", "swr_path", "tag", "type", "arch", "description")},
            "lease": self._lease(notebook),
            "name": notebook.name,
            "status": status,
            "token": notebook.token,
            "update_at": ms(max(since, notebook.edited_at)),
            # [DOC] `https://authoring-modelarts-xxxxx.xxxx.com/{id}/lab`: here on this simulator (page()).
            "url": f"{self._public_url.value}/{notebook.id}/lab",
            "user": self._user,
            "volume": {**notebook.volume, "mount_path": "/home/ma-user/work/"},
            "workspace_id": notebook.workspace_id,
        }
        if reason:
            item["fail_reason"] = reason
        if notebook.hooks is not None:
            item["hooks"] = notebook.hooks
        return item

    def listing(self, query: dict[str, str], now: float) -> dict[str, Any]:
        """GET /notebooks and /notebooks/all: filters, sorting, record offset, 10 per page by default."""
        self._slots.advance(now)
        limit = int_value(query.get("limit", 10), "limit", minimum=1)
        offset = int_value(query.get("offset", 0), "offset", minimum=0)
        status = query.get("status")
        if status is not None and status not in STATUSES:
            raise ModelArtsError(400, "ModelArts.6336", "`status` property value is incorrect.")
        sort_keys = [key.strip() for key in query.get("sort_key", "create_at").split(",") if key.strip()]
        if any(key not in _SORT_KEYS for key in sort_keys):
            raise ModelArtsError(400, "ModelArts.6303", "The field does not support sorting.")
        sort_dir = query.get("sort_dir", "DESC").upper()
        if sort_dir not in ("ASC", "DESC"):
            raise ModelArtsError(400, "ModelArts.6336", "`sort_dir` property value is incorrect.")
        views = [self.view(notebook, now) for notebook in self._notebooks.values()]
        name, owner = query.get("name"), query.get("owner")
        found = [
            view
            for view in views
            if view["feature"] == query.get("feature", "NOTEBOOK")  # [DOC] NOTEBOOK unless asked otherwise
            and (view["status"] == status if status else view["status"] != "DELETED")
            and (name is None or name.lower() in view["name"].lower())
            and query.get("pool_id") is None  # no dedicated pools are simulated
            and owner in (None, self._user["id"])
            and query.get("workspaceId") in (None, view["workspace_id"])
        ]
        sort_fields = {"create_at": "create_at", "update_at": "update_at", "name": "name", "status": "status",
                       "flavor": "flavor"}
        found.sort(key=lambda view: tuple(view[sort_fields[key]] for key in sort_keys), reverse=sort_dir == "DESC")
        return record_page(found, offset, limit)


def _frozen() -> ModelArtsError:
    return ModelArtsError(400, "ModelArts.6326",
                          "The instance is frozen. Check whether your account is in arrears in Billing Center.")


def _first_bad(text: str) -> str:
    return next((char for char in text if not re.match(r"[A-Za-z0-9_-]", char)), text[:1] or " ")


def _check_description(description: Any) -> None:
    if not isinstance(description, str) or len(description) > 512:
        raise ModelArtsError(400, "ModelArts.6336", "`description` property value is incorrect.")
    bad = next((char for char in description if char in _FORBIDDEN_DESCRIPTION), None)
    if bad is not None:
        raise ModelArtsError(400, "ModelArts.6334",
                             f"Invalid value for name or description. The character `{bad}` is not allowed.")


def _volume(raw: Any) -> dict[str, Any]:
    """VolumeReq (表 5-4); the doc's own example sends the enums in lower case."""
    if not isinstance(raw, dict):
        raise ModelArtsError(400, "ModelArts.6335", "`volume` is a required property.")
    category = str(raw.get("category") or "").upper()
    ownership = str(raw.get("ownership") or "").upper()
    if category not in ("EVS", "SFS", "EFS") or ownership not in ("MANAGED", "DEDICATED"):
        raise ModelArtsError(400, "ModelArts.6324", "This location type is not supported. Please check it.")
    if ownership == "DEDICATED" and (category != "EFS" or not raw.get("uri") or not raw.get("id")):
        raise ModelArtsError(400, "ModelArts.6335", "`uri` is a required property.")
    capacity = raw.get("capacity", _EVS_DEFAULT_GB if category == "EVS" else 50)
    capacity = int_value(capacity, "volume.capacity", minimum=1)
    if category == "EVS" and not _EVS_MIN_GB <= capacity <= _EVS_MAX_GB:
        raise ModelArtsError(400, "ModelArts.6331",
                             f"The evs volume size ranges from {_EVS_MIN_GB} GB to {_EVS_MAX_GB} GB.")
    return {"category": category, "ownership": ownership, "capacity": capacity}


def _page(title: str, text: str) -> str:
    title, text = html.escape(title), html.escape(text)
    return f"<!doctype html><html><head><title>{title}</title></head><body><h1>{title}</h1><p>{text}</p></body></html>"


def _endpoints(raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list) or any(not isinstance(item, dict) for item in raw):
        raise ModelArtsError(400, "ModelArts.6336", "`endpoints` property value is incorrect.")
    for item in raw:
        if len(item.get("allowed_access_ips") or []) > 5:
            raise ModelArtsError(400, "ModelArts.6336", "`allowed_access_ips` property value is incorrect.")
    return [dict(item) for item in raw]


def _hooks(raw: Any) -> dict[str, Any] | None:
    """CustomHooks: a COMMAND script is base64, a SCRIPT one an absolute path."""
    if raw is None:
        return None
    hooks = raw.get("container_hooks") if isinstance(raw, dict) else None
    if not isinstance(hooks, dict):
        raise ModelArtsError(400, "ModelArts.6336", "`hooks` property value is incorrect.")
    for stage in ("pre_start", "post_start"):
        config = hooks.get(stage)
        if config is None:
            continue
        kind, script = config.get("type", "SCRIPT"), config.get("script", "")
        valid = kind in ("COMMAND", "SCRIPT") and isinstance(script, str)
        if valid and kind == "COMMAND":
            try:
                base64.b64decode(script, validate=True)
            except ValueError:
                valid = False
        if valid and kind == "SCRIPT":
            valid = script.startswith("/")
        if not valid:
            raise ModelArtsError(400, "ModelArts.6336", f"`hooks.container_hooks.{stage}` property value is incorrect.")
    return dict(raw)


# --------------------------------------------------------------------------- routes


class PlatformStatus(BaseModel):
    status: str
    reason: str = ""


def routes(notebooks: Notebooks, config: ModelArtsSimConfig, faults: FaultInjector) -> APIRouter:
    """The notebook paths, below `/v1/{project_id}`."""
    router = APIRouter()
    clock = config.clock

    def sold_out() -> set[str]:
        return set(faults.settings.sold_out)

    @router.post("/notebooks")
    async def create_notebook(request: Request) -> dict[str, Any]:
        now = clock()
        return notebooks.view(notebooks.create(await json_body(request), now, sold_out()), now)

    @router.get("/notebooks")
    async def list_notebooks(request: Request) -> dict[str, Any]:
        return notebooks.listing(dict(request.query_params), clock())

    @router.get("/notebooks/all")
    async def list_all_notebooks(request: Request) -> dict[str, Any]:
        return notebooks.listing(dict(request.query_params), clock())  # one user in the simulator

    @router.get("/notebooks/flavors")
    async def list_flavors(request: Request) -> dict[str, Any]:
        return notebooks.flavors(dict(request.query_params), sold_out())

    @router.get("/notebooks/{notebook_id}")
    async def get_notebook(notebook_id: str) -> dict[str, Any]:
        now = clock()
        return notebooks.view(notebooks.get(notebook_id, now), now)

    @router.put("/notebooks/{notebook_id}")
    async def update_notebook(notebook_id: str, request: Request) -> dict[str, Any]:
        now = clock()
        return notebooks.view(notebooks.update(notebook_id, await json_body(request), now), now)

    @router.delete("/notebooks/{notebook_id}")
    async def delete_notebook(notebook_id: str) -> dict[str, Any]:
        now = clock()
        return notebooks.view(notebooks.delete(notebook_id, now), now)

    @router.post("/notebooks/{notebook_id}/start")
    async def start_notebook(notebook_id: str, request: Request) -> dict[str, Any]:
        now = clock()
        return notebooks.view(notebooks.start(notebook_id, dict(request.query_params), now, sold_out()), now)

    @router.post("/notebooks/{notebook_id}/stop")
    async def stop_notebook(notebook_id: str) -> dict[str, Any]:
        now = clock()
        return notebooks.view(notebooks.stop(notebook_id, now), now)

    @router.get("/notebooks/{notebook_id}/flavors")
    async def switchable_flavors(notebook_id: str) -> dict[str, Any]:
        return notebooks.switchable_flavors(notebook_id, clock(), sold_out())

    @router.get("/notebooks/{notebook_id}/lease")
    async def get_lease(notebook_id: str) -> dict[str, Any]:
        return notebooks.lease(notebook_id, clock())

    @router.patch("/notebooks/{notebook_id}/lease")
    async def renew_lease(notebook_id: str, request: Request) -> dict[str, Any]:
        body = await json_body(request) if await request.body() else {}
        return notebooks.renew_lease(notebook_id, dict(request.query_params), body, clock())

    @router.post("/notebooks/{notebook_id}/create-image")
    async def create_image(notebook_id: str, request: Request) -> dict[str, Any]:
        body = await json_body(request) if await request.body() else {}
        return notebooks.create_image(notebook_id, body, clock())

    return router


def control_routes(notebooks: Notebooks, config: ModelArtsSimConfig) -> APIRouter:
    router = APIRouter(prefix="/_sim")

    @router.put("/notebooks/{notebook_id}/status")
    async def set_status(notebook_id: str, wanted: PlatformStatus) -> dict[str, Any]:
        """Simulator control: CREATE_FAILED, START_FAILED, ERROR, FROZEN or DELETE_FAILED, now."""
        now = config.clock()
        notebook = notebooks.set_platform_status(notebook_id, wanted.status, wanted.reason, now)
        return notebooks.view(notebook, now)

    return router
