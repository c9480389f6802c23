"""Training jobs v2, as the API reference documents them (ch. 6).

Lifecycle: Creating (creating_s) -> Pending/Queuing (pending_s, longer while the flavor has no
free slot) -> Running (run_s, or the job's steering, cut short by `auto_stop`) -> Completed | Failed.
Terminate: Creating|Pending|Running -> Terminating (terminating_s) -> Terminated. A job takes
`node_count` slots of its flavor. Events, log previews and metrics are derived from the same
timestamps.
"""

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from services.vendorsim.faults import FaultInjector
from services.vendorsim.jobmetrics import Accelerator, RunUse, run_metrics
from services.vendorsim.joblogs import RunOutput, run_log
from services.vendorsim.modelarts.config import ModelArtsSimConfig
from services.vendorsim.modelarts.errors import ModelArtsError, invalid, invalid_json, json_body
from services.vendorsim.modelarts.slots import Claim, Slots
from services.vendorsim.modelarts.wire import int_field, int_value, ms, object_field, rfc3339_beijing
from services.vendorsim.seeding import SEED_PATH, parse_seed_request, seeded
from services.vendorsim.steering import Outcome, SteeringError, parse_steering
from services.vendorsim.walks import Walks

# --------------------------------------------------------------------------- flavors and engines


@dataclass(frozen=True)
class TrainingFlavor:
    flavor_id: str
    flavor_name: str
    flavor_type: Literal["CPU", "GPU", "Ascend"]
    billing_code: str
    billing_units: int
    max_num: int
    cpu_arch: str
    cpu_cores: int
    memory_gb: int
    accel_count: int = 0
    accel_product: str = ""
    accel_memory: str = ""

    def to_response(self, capacity: int) -> dict[str, Any]:
        """FlavorResponse (表 6-475); `npu.unit_num` is a String in the doc."""
        max_num = min(self.max_num, capacity)
        info: dict[str, Any] = {
            "max_num": max_num,
            "cpu": {"arch": self.cpu_arch, "core_num": self.cpu_cores},
            "memory": {"size": self.memory_gb, "unit": "GB"},
            "disk": {"size": 50, "unit": "GB"},
        }
        accelerator = {"product_name": self.accel_product, "memory": self.accel_memory}
        if self.flavor_type == "GPU":
            info["gpu"] = {"unit_num": self.accel_count, **accelerator}
        elif self.flavor_type == "Ascend":
            info["npu"] = {"unit_num": str(self.accel_count), **accelerator}
        return {
            "flavor_id": self.flavor_id,
            "flavor_name": self.flavor_name,
            "max_num": max_num,
            "flavor_type": self.flavor_type,
            "billing": {"code": self.billing_code, "unit_num": self.billing_units},
            "flavor_info": info,
            "attributes": {},
        }


# fmt: off
FLAVORS: tuple[TrainingFlavor, ...] = (
    TrainingFlavor("modelarts.vm.cpu.8u", "Computing CPU(8U) instance", "CPU",
                   "modelarts.vm.cpu.8u", 1, 4, "x86", 8, 32),
    TrainingFlavor("modelarts.p3.large.public", "Computing GPU(Vnt1) instance", "GPU",
                   "modelarts.vm.gpu.vnt1", 1, 1, "x86", 8, 64, 1, "GP-Vnt1", "32GB"),
    TrainingFlavor("modelarts.bm.gpu.8v100", "Computing GPU(8*Vnt1) instance", "GPU",
                   "modelarts.bm.gpu.8v100", 1, 4, "x86", 72, 512, 8, "GP-Vnt1", "32GB"),
    TrainingFlavor("modelarts.vm.snt9.1card", "Ascend: 1*Ascend-snt9b", "Ascend",
                   "modelarts.vm.snt9.1card", 1, 1, "aarch64", 24, 192, 1, "Ascend-snt9b", "64GB"),
    # Billing code and unit count as in the doc's notebook flavor example.
    TrainingFlavor("modelarts.bm.snt9.xlarge.2", "Ascend: 2*Ascend-snt9b", "Ascend",
                   "modelarts.kat1.xlarge", 2, 2, "aarch64", 48, 192, 2, "Ascend-snt9b", "64GB"),
    TrainingFlavor("modelarts.vm.snt9.8card", "Ascend: 8*Ascend-snt9b", "Ascend",
                   "modelarts.kat1.8xlarge", 1, 4, "aarch64", 192, 1536, 8, "Ascend-snt9b", "64GB"),
)

# AI engines (表 6-485), from the doc's example list.
ENGINES: tuple[dict[str, Any], ...] = (
    {"engine_id": "caffe-1.0.0-python2.7", "engine_name": "Caffe", "engine_version": "caffe-1.0.0-python2.7",
     "v1_compatible": True, "run_user": "",
     "image_info": {"cpu_image_url": "modelarts-job-dev-image/caffe1-cpu-cp27:1.0.0",
                    "gpu_image_url": "modelarts-job-dev-image/caffe1-gpu-cuda8-cp27:1.0.0", "image_version": "3.1.0"}},
    {"engine_id": "horovod-cp36-tf-1.16.2", "engine_name": "Horovod", "engine_version": "0.16.2-TF-1.13.1-python3.6",
     "v1_compatible": True, "run_user": "",
     "image_info": {"cpu_image_url": "modelarts-job-dev-image/tensorflow-gpu-cuda10-cp36-horovod0162:1.13.1",
                    "gpu_image_url": "modelarts-job-dev-image/tensorflow-gpu-cuda10-cp36-horovod0162:1.13.1",
                    "image_version": "3.2.1"}},
    {"engine_id": "pytorch-cp36-1.3.0", "engine_name": "PyTorch", "engine_version": "PyTorch-1.3.0-python3.6",
     "v1_compatible": True, "run_user": "",
     "image_info": {"cpu_image_url": "modelarts-job-dev-image/pytorch-cpu-cp36:1.3.0",
                    "gpu_image_url": "modelarts-job-dev-image/pytorch-gpu-cuda10-cp36:1.3.0",
                    "image_version": "3.2.0"}},
    {"engine_id": "tensorflow_2.1.0-cuda_10.1-py_3.7-ubuntu_18.04-x86_64", "engine_name": "TensorFlow",
     "engine_version": "tensorflow_2.1.0-cuda_10.1-py_3.7-ubuntu_18.04-x86_64", "v1_compatible": False,
     "run_user": "1102",
     "image_info": {"cpu_image_url": "aip/tensorflow_2_1:train", "gpu_image_url": "aip/tensorflow_2_1:train",
                    "image_version": "tensorflow_2.1.0-cuda_10.1-py_3.7-ubuntu_18.04-x86_64-20210912152543-1e0838d"}},
    {"engine_id": "xgboost-sklearn-python3.6", "engine_name": "XGBoost-Sklearn",
     "engine_version": "XGBoost-0.80-Sklearn-0.18.1-python3.6", "v1_compatible": True, "run_user": "",
     "image_info": {"cpu_image_url": "modelarts-job-dev-image/xgboost-sklearn-cpu-cp36:1.0.0",
                    "gpu_image_url": "", "image_version": "3.1.0"}},
)
# fmt: on

# --------------------------------------------------------------------------- jobs

_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PHASES = ("Creating", "Pending", "Running", "Failed", "Completed", "Terminating", "Terminated", "Abnormal")
_TERMINABLE = ("Creating", "Pending", "Running")
_EVENT_LEVELS = ("Info", "Error", "Warning")
_EVENT_SOURCES = ("K8S", "Job", "Task")
_METRICS = ("cpuUsage", "memUsage", "gpuUtil", "gpuMemUsage", "npuUtil", "npuMemUsage")
_ACCELERATOR: dict[str, Accelerator] = {"GPU": "gpu", "Ascend": "npu"}


def _not_found(job_id: str) -> ModelArtsError:
    return ModelArtsError(400, "ModelArts.2775", f"TrainingJobNotFound (id: {job_id})", "Check the training job ID.")


@dataclass
class _Job:
    job_id: str
    seq: int
    kind: str
    name: str
    description: str
    algorithm: dict[str, Any]  # request echo
    spec: dict[str, Any]  # request echo
    flavor: TrainingFlavor
    node_count: int
    env: dict[str, str]
    run_s: float  # how long it runs once started (steering, capped by auto_stop)
    outcome: Outcome
    auto_stopped: bool  # auto_stop cuts the run short
    created_at: float
    claim: Claim | None = None
    terminate_at: float | None = None
    deleted: bool = False
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def tasks(self) -> list[str]:
        return [f"worker-{index}" for index in range(self.node_count)]


class TrainingJobs:
    def __init__(self, config: ModelArtsSimConfig, slots: Slots) -> None:
        self._config = config
        self._slots = slots
        self._flavors = {flavor.flavor_id: flavor for flavor in FLAVORS}
        self._engines = {engine["engine_id"]: engine for engine in ENGINES}
        self._jobs: dict[str, _Job] = {}
        self._live_names: set[str] = set()  # names of the jobs not deleted: the duplicate check without a scan
        self._seq = 0
        self._walks: Walks[tuple[int, list[_Job]]] = Walks()  # a search's order, taken at its first page

    # ---- catalogues

    def flavors(self, flavor_type: str | None) -> dict[str, Any]:
        if flavor_type not in (None, "", "CPU", "GPU", "Ascend"):
            raise invalid(f"flavor_type {flavor_type!r} must be CPU, GPU or Ascend.")
        items = [
            flavor.to_response(self._config.capacity)
            for flavor in FLAVORS
            if not flavor_type or flavor.flavor_type == flavor_type
        ]
        return {"total_count": len(items), "flavors": items}

    @staticmethod
    def engines() -> dict[str, Any]:
        return {"total": len(ENGINES), "items": list(ENGINES)}

    # ---- commands

    def create(self, body: Any, now: float, sold_out: Callable[[str], bool]) -> _Job:
        self._slots.advance(now)
        job = self._parse_create(body, now)
        if job.name in self._live_names:
            raise ModelArtsError(
                400, "ModelArts.2751", f"DuplicateTrainingJobName (name {job.name})", "Use another job name."
            )
        if sold_out(job.flavor.flavor_id):
            # The training error table has no sold-out code; 6716 ("The specified flavor {0}
            # is already sold out.", HTTP 400) from the general table is the closest documented one.
            raise ModelArtsError(
                400,
                "ModelArts.6716",
                f"The specified flavor {job.flavor.flavor_id} is already sold out.",
                "Select another flavor or contact technical support.",
            )
        self._seq += 1
        job.seq = self._seq
        ready_at = now + self._config.creating_s + self._config.pending_s
        job.claim = self._slots.claim(job.flavor.flavor_id, job.node_count, ready_at, hold_s=job.run_s)
        self._jobs[job.job_id] = job
        self._live_names.add(job.name)
        return job

    def get(self, job_id: str, now: float) -> _Job:
        self._slots.advance(now)
        job = self._jobs.get(job_id)
        if job is None or job.deleted:
            raise _not_found(job_id)
        return job

    def terminate(self, job_id: str, now: float) -> _Job:
        job = self.get(job_id, now)
        if self.phase(job, now)[0] not in _TERMINABLE:
            raise ModelArtsError(409, "ModelArts.2796", "NotAllowedTo Terminate", "Check the job status.")
        job.terminate_at = now
        self._slots.release(self._claim(job), now + self._config.terminating_s)
        return job

    def delete(self, job_id: str, now: float) -> None:
        job = self.get(job_id, now)
        job.deleted = True
        self._live_names.discard(job.name)
        self._slots.release(self._claim(job), now)

    def summary(self, now: float) -> list[dict[str, Any]]:
        """Every job ever created, deleted ones too, for the simulator's own `/_sim/jobs` (not a ModelArts path)."""
        self._slots.advance(now)
        return [{"job_id": job.job_id, "name": job.name, "status": self.phase(job, now)[0], "deleted": job.deleted}
                for job in self._jobs.values()]

    def update_description(self, job_id: str, body: Any, now: float) -> None:
        job = self.get(job_id, now)
        description = body.get("description") if isinstance(body, dict) else None
        if not isinstance(description, str) or len(description) > 256:
            raise invalid("description must be a string of at most 256 characters.")
        job.description = description

    # ---- views

    @staticmethod
    def _claim(job: _Job) -> Claim:
        assert job.claim is not None  # set on create
        return job.claim

    def phase(self, job: _Job, now: float) -> tuple[str, str]:
        """(phase, secondary_phase) at `now`; call after `advance(now)`."""
        claim = self._claim(job)
        if job.terminate_at is not None:
            if now < job.terminate_at + self._config.terminating_s:
                return "Terminating", "Terminating"
            return "Terminated", "Terminated"
        if now < job.created_at + self._config.creating_s:
            return "Creating", "Creating"
        if claim.start_at is None or claim.end_at is None:
            return "Pending", "Queuing"
        if now < claim.end_at:
            return "Running", "Running"
        if job.auto_stopped:
            return "Terminated", "Terminated"
        if job.outcome is Outcome.FAILED:
            return "Failed", "Failed"
        return "Completed", "Completed"

    def view(self, job: _Job, now: float) -> dict[str, Any]:
        """JobResponse (表 6-374)."""
        phase, secondary = self.phase(job, now)
        claim = self._claim(job)
        status: dict[str, Any] = {
            "phase": phase,
            "secondary_phase": secondary,
            "duration": 0,
            "start_time": 0,
            "node_count_metrics": None,
            "tasks": job.tasks,
        }
        if claim.start_at is not None and claim.end_at is not None:
            running_until = min(now, claim.end_at)
            status["start_time"] = ms(claim.start_at)
            # Difference of rounded instants, so start_time + duration is exactly the end in ms.
            status["duration"] = ms(running_until) - ms(claim.start_at)
            status["node_count_metrics"] = [[ms(job.created_at), 0], [ms(claim.start_at), job.node_count]]
            record: dict[str, Any] = {"start_at": int(claim.start_at), "start_type": "init_or_rescheduled"}
            if now >= claim.end_at:
                record["end_at"] = int(claim.end_at)
            status["running_records"] = [record]
        if phase == "Failed":
            status["task_statuses"] = [
                {"task": task, "exit_code": 1, "message": "Simulated failure (SWITCHYARD_SIM_OUTCOME=failed)."}
                for task in job.tasks
            ]
        flavor = job.flavor.to_response(self._config.capacity)
        algorithm = dict(job.algorithm)
        # Requests carry a map; responses carry an array of maps.
        algorithm["environments"] = [{key: value} for key, value in job.env.items()]
        return {
            "kind": job.kind,
            "metadata": {
                "id": job.job_id,
                "name": job.name,
                "workspace_id": "0",
                "description": job.description,
                "create_time": ms(job.created_at),
                "user_name": self._config.username,
                "annotations": {"job_template": "Template DL", "key_task": "worker"},
                "ai_project": "default-ai-project",
            },
            "status": status,
            "algorithm": algorithm,
            "spec": {
                **job.spec,
                "resource": {
                    "policy": "regular",
                    "flavor_id": job.flavor.flavor_id,
                    "flavor_name": job.flavor.flavor_name,
                    "node_count": job.node_count,
                    "flavor_detail": {
                        "flavor_type": flavor["flavor_type"],
                        "billing": flavor["billing"],
                        "flavor_info": flavor["flavor_info"],
                    },
                },
            },
        }

    # ---- events, logs, metrics

    def _timeline(self, job: _Job, now: float) -> list[tuple[float, str, str, str]]:
        """(time, level, source, message) of everything that happened to the job by `now`."""
        claim = self._claim(job)
        pod = f"modelarts-job-{job.job_id}"
        pending_at = job.created_at + self._config.creating_s
        happened: list[tuple[float, str, str, str]] = [
            (job.created_at, "Info", "Job", "Training job is being created."),
            (pending_at, "Info", "Job", "Training job is pending."),
        ]
        if claim.start_at is None or claim.start_at > claim.ready_at:
            message = f"No free {job.flavor.flavor_id} resources; the job is queuing."
            happened.append((claim.ready_at, "Warning", "Job", message))
        if claim.start_at is not None and claim.end_at is not None:
            happened += [
                (claim.start_at, "Info", "K8S", f"[Pod: {pod}-worker-0] Started: Started container"),
                (claim.start_at, "Info", "Job", "Training job is running."),
                (claim.start_at, "Info", "Task", "[worker-0] training started."),
            ]
            if job.terminate_at is None:
                if job.auto_stopped:
                    happened.append((claim.end_at, "Info", "Job", "Training job terminated: auto stop time reached."))
                else:
                    failed = job.outcome is Outcome.FAILED
                    exit_code = 1 if failed else 0
                    finished = f"[worker-0] Training finished. Exit code {exit_code}."
                    happened.append((claim.end_at, "Info", "Task", finished))
                    happened.append((claim.end_at, "Error" if failed else "Info", "Job",
                                     "Training job failed." if failed else "Training job completed."))
        if job.terminate_at is not None:
            happened = [item for item in happened if item[0] <= job.terminate_at]
            happened += [
                (job.terminate_at, "Info", "K8S", f"[Job: {pod}] ExecuteAction: Start to execute action TerminateJob"),
                (job.terminate_at + self._config.terminating_s, "Info", "Job", "Training job terminated."),
            ]
        return sorted((item for item in happened if item[0] <= now), key=lambda item: item[0])

    def events(self, job_id: str, query: dict[str, str], now: float) -> dict[str, Any]:
        """GET .../events (表 6-462): paging, time window, level, pattern and source filters."""
        job = self.get(job_id, now)
        bad_request = ModelArtsError(400, "ModelArts.50004000", "Bad request.")
        offset = int_value(query.get("offset", 0), "offset", minimum=0, error=bad_request)
        limit = int_value(query.get("limit", 50), "limit", minimum=1, maximum=100, error=bad_request)
        order = query.get("order", "desc")
        if order not in ("asc", "desc"):
            raise bad_request
        start, end = query.get("start_time"), query.get("end_time")
        if (start is None) != (end is None):
            raise bad_request  # [DOC] the two go together
        # The window is compared in the milliseconds the client sees.
        start_ms = int_value(start, "start_time", minimum=0, error=bad_request) if start else ms(job.created_at)
        end_ms = int_value(end, "end_time", minimum=0, error=bad_request) if end else ms(now)
        level, source, pattern = query.get("level"), query.get("source"), query.get("pattern")
        if level is not None and level not in _EVENT_LEVELS:
            raise bad_request
        if source is not None and source.upper() not in {s.upper() for s in _EVENT_SOURCES}:
            raise bad_request
        if pattern is not None and len(pattern) > 256:
            raise bad_request
        matching = [
            item
            for item in self._timeline(job, now)
            if start_ms <= ms(item[0]) <= end_ms
            and (level is None or item[1] == level)
            and (source is None or item[2].upper() == source.upper())
            and (pattern is None or pattern in item[3])
        ]
        if order == "desc":
            matching.reverse()
        page = matching[offset : offset + limit]
        return {
            "total": len(matching),
            "limit": limit,
            "offset": offset,
            "order": order,
            "start_time": rfc3339_beijing(start_ms / 1000),
            "end_time": rfc3339_beijing(end_ms / 1000),
            "events": [
                {"time": rfc3339_beijing(at), "level": lvl, "message": message, "source": src}
                for at, lvl, src, message in page
            ],
        }

    def _started_task(self, job_id: str, task_id: str, now: float) -> tuple[_Job, Claim] | None:
        """The job and its claim once it has started; None while logs and metrics are not ready."""
        job = self.get(job_id, now)
        if task_id not in job.tasks:
            raise ModelArtsError(400, "ModelArts.2788", f"InvalidParam (task_id {task_id})",
                                 "Use a task of status.tasks.")
        claim = self._claim(job)
        if claim.start_at is None or claim.end_at is None:
            return None
        return job, claim

    def log_preview(self, job_id: str, task_id: str, now: float) -> dict[str, Any] | None:
        """{content, current_size, full_size}; None (-> 204 ModelArts.2776) before the job started. The lines are
        `joblogs.run_log`'s for the job's image, command and outcome at its time into the run, each with the
        task's prefix; [DOC] the whole log under the cap, else its latest `log_preview_cap_bytes`."""
        started = self._started_task(job_id, task_id, now)
        if started is None:
            return None
        job, claim = started
        assert claim.start_at is not None and claim.end_at is not None
        engine = job.algorithm.get("engine") or {}
        run = RunOutput(name=job.name, image=str(engine.get("image_url") or engine.get("engine_id") or "-"),
                        command=str(job.algorithm.get("command") or "-"), run_s=claim.end_at - claim.start_at,
                        failed=job.outcome is Outcome.FAILED and not job.auto_stopped)
        stopped_after = None if job.terminate_at is None else max(0.0, job.terminate_at - claim.start_at)
        lines = run_log(run, now - claim.start_at, stopped_after_s=stopped_after)
        content = "".join(f"[{task_id}] {line}\n" for line in lines)
        full = content.encode()
        cap = self._config.log_preview_cap_bytes
        kept = full[-cap:].decode(errors="ignore") if len(full) > cap else content
        return {"content": kept, "current_size": len(kept.encode()), "full_size": len(full)}

    def metrics(self, job_id: str, task_id: str, now: float) -> dict[str, Any] | None:
        """[DOC] One value per minute (the minute's average), no timestamps, -1 where there is no data (the GPU
        metrics of an Ascend job...); None (-> 204 ModelArts.2777) before the job started. The values are
        `jobmetrics.run_metrics`' for the job on its flavor's accelerator, one per started minute of its run."""
        started = self._started_task(job_id, task_id, now)
        if started is None:
            return None
        job, claim = started
        assert claim.start_at is not None and claim.end_at is not None
        accelerator = _ACCELERATOR.get(job.flavor.flavor_type, "none")
        stopped_after = None if job.terminate_at is None else max(0.0, job.terminate_at - claim.start_at)
        use = run_metrics(RunUse(f"{job.job_id}:{task_id}", accelerator, claim.end_at - claim.start_at),
                          now - claim.start_at, stopped_after_s=stopped_after)
        minutes = len(use["cpu_usage"])
        names = {"cpuUsage": "cpu_usage", "memUsage": "mem_usage"}
        if accelerator != "none":
            names |= {f"{accelerator}Util": "accel_util", f"{accelerator}MemUsage": "accel_mem_usage"}

        def series(metric: str) -> list[float]:
            if metric not in names:
                return [-1] * minutes
            return [-1 if value is None else value for value in use[names[metric]]]

        return {"metrics": [{"metric": metric, "value": series(metric)} for metric in _METRICS]}

    # ---- tags

    def tags(self, job_id: str, now: float) -> dict[str, Any]:
        job = self.get(job_id, now)
        return {"tags": [{"key": key, "value": value} for key, value in job.tags.items()]}

    def add_tags(self, job_id: str, body: Any, now: float) -> None:
        job = self.get(job_id, now)
        for key, value in _tags(body, value_required=True):
            job.tags[key] = value or ""  # an existing key gets its value overwritten

    def delete_tags(self, job_id: str, body: Any, now: float) -> None:
        job = self.get(job_id, now)
        for key, value in _tags(body, value_required=False):
            if key in job.tags and value in (None, job.tags[key]):
                del job.tags[key]

    # ---- search

    def search(self, body: Any, now: float) -> dict[str, Any]:
        self._slots.advance(now)
        if not isinstance(body, dict):
            raise invalid_json()
        offset = int_field(body, "offset", default=0, minimum=0)
        limit = int_field(body, "limit", default=10, minimum=1, maximum=50)
        sort_by = body.get("sort_by") or "create_time"
        if sort_by != "create_time":
            raise ModelArtsError(400, "ModelArts.2790", "UnsupportedSortBy", "Check the sort_by value.")
        order = body.get("order") or "desc"
        if order not in ("asc", "desc"):
            raise invalid("order must be asc or desc.")
        filters = body.get("filters") or []
        if not isinstance(filters, list):
            raise ModelArtsError(400, "ModelArts.2789", "UnsupportedFilterBy", "filters must be a list.")
        predicates = [self._predicate(item, now) for item in filters]

        def ordered() -> tuple[int, list[_Job]]:
            jobs = sorted((job for job in self._jobs.values() if not job.deleted), key=lambda job: job.seq)
            if order == "desc":
                jobs.reverse()
            return len(jobs), [job for job in jobs if all(predicate(job) for predicate in predicates)]

        # The pages after the first are cut from the order the first took (`walks.py`), each job checked again.
        walk = (json.dumps(filters, sort_keys=True), order, self._seq)
        total, matching = self._walks.order(walk, offset == 0, ordered)
        # [DOC] `offset` is the page index; `--search-offset-mode record` makes it a record offset.
        first = offset * limit if self._config.search_offset_mode == "page" else offset
        page = [job for job in matching[first : first + limit]
                if not job.deleted and all(predicate(job) for predicate in predicates)]
        return {
            "total": total,
            "count": len(matching),
            "limit": limit,
            "offset": offset,
            "sort_by": sort_by,
            "order": order,
            "group_by": body.get("group_by") or "",
            "workspace_id": "0",
            "ai_project": "default-ai-project",
            "items": [self.view(job, now) for job in page],
        }

    def _predicate(self, item: Any, now: float) -> Callable[[_Job], bool]:
        if not isinstance(item, dict):
            raise ModelArtsError(400, "ModelArts.2789", "UnsupportedFilterBy", "Each filter must be an object.")
        key, operator, values = item.get("key"), item.get("operator"), item.get("value")
        if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
            raise ModelArtsError(400, "ModelArts.2809", f"UnsupportedConditionValue ({values})", "Check value.")
        supported = {
            "name": ("like", "in"),
            "phase": ("in", "not"),
            "kind": ("in",),
            "create_time": ("between",),
            "algorithm_name": ("like",),
            "user_id": ("in",),
            "runtime_type": ("in",),
        }
        if key not in supported:
            raise ModelArtsError(400, "ModelArts.2807", f"UnsupportedConditionKey ({key})", "Check key.")
        if operator not in supported[key]:
            raise ModelArtsError(400, "ModelArts.2808", f"UnsupportedConditionOperator ({operator})", "Check operator.")
        wanted = [value for value in values if value]
        if not wanted:  # the doc's example sends blank values for filters it does not use
            return lambda job: True
        if key == "name" and operator == "like":
            return lambda job: any(value.lower() in job.name.lower() for value in wanted)
        if key == "name":
            return lambda job: job.name in wanted
        if key == "kind":
            return lambda job: job.kind in wanted
        if key == "algorithm_name":
            return lambda job: any(value.lower() in str(job.algorithm.get("name", "")).lower() for value in wanted)
        if key == "user_id":
            user_id = "u" + self._config.project_id[1:]
            return lambda job: user_id in wanted
        if key == "runtime_type":
            return lambda job: False  # no debug-mode jobs are simulated
        if key == "phase":
            if any(value not in _PHASES for value in wanted):
                raise ModelArtsError(400, "ModelArts.2809", f"UnsupportedConditionValue ({values})", "Check value.")
            inside = operator == "in"
            return lambda job: (self.phase(job, now)[0] in wanted) == inside
        return _between_predicate(values)

    # ---- request parsing

    def _parse_create(self, body: Any, now: float) -> _Job:
        if not isinstance(body, dict):
            raise invalid_json()
        kind = body.get("kind", "job")
        if kind not in ("job", "visualization_job"):
            raise invalid("kind must be job or visualization_job.")
        metadata = object_field(body, "metadata", required=True)
        name = metadata.get("name")
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise invalid("metadata.name must be 1-64 characters of letters, digits, '_' and '-'.")
        description = metadata.get("description") or ""
        if not isinstance(description, str) or len(description) > 256:
            raise invalid("metadata.description must be a string of at most 256 characters.")

        algorithm = dict(object_field(body, "algorithm", required=True))
        engine = algorithm.get("engine") or {}
        if not isinstance(engine, dict):
            raise invalid("algorithm.engine must be an object.")
        algorithm["engine"] = self._resolve_engine(engine)
        for channel in ("inputs", "outputs"):
            if channel in algorithm:
                algorithm[channel] = _data_channels(algorithm[channel], channel)
        image_url, command = engine.get("image_url"), algorithm.get("command")
        if (image_url or command) and not (image_url and command):
            raise ModelArtsError(
                400, "ModelArts.2806", "MustHaveCmdAndImage", "Set both algorithm.command and engine.image_url."
            )
        if not (image_url or algorithm.get("id") or (algorithm.get("code_dir") and algorithm.get("boot_file"))):
            raise invalid("algorithm needs id, code_dir+boot_file, or engine.image_url+command.")
        env = _environments(algorithm.get("environments"))
        try:
            steering = parse_steering(env, self._config.run_s)
        except SteeringError as exc:
            raise invalid(str(exc)) from None

        spec = object_field(body, "spec", required=True)
        resource = object_field(spec, "resource", required=True)
        flavor_id = resource.get("flavor_id")
        if resource.get("pool_id"):
            raise invalid("dedicated pools (pool_id) are not simulated.")
        flavor = self._flavors.get(flavor_id) if isinstance(flavor_id, str) else None
        if flavor is None:
            raise ModelArtsError(400, "ModelArts.2781", f"FlavorNotFound ({flavor_id})", "Check the flavor.")
        node_count = int_value(resource.get("node_count", 1), "spec.resource.node_count", minimum=1)
        max_num = min(flavor.max_num, self._config.capacity)
        if node_count > max_num:
            raise ModelArtsError(
                400, "ModelArts.2793", f"FlavorOutOfRange ({node_count} > {max_num})", "Check the flavor."
            )
        max_runtime_s = _auto_stop_seconds(spec.get("auto_stop"))
        run_s = steering.run_seconds if max_runtime_s is None else min(steering.run_seconds, max_runtime_s)

        return _Job(
            job_id=str(uuid.uuid4()),
            seq=0,  # numbered when stored
            kind=kind,
            name=name,
            description=description,
            algorithm={key: value for key, value in algorithm.items() if key != "environments"},
            spec={key: value for key, value in spec.items() if key != "resource"},
            flavor=flavor,
            node_count=node_count,
            env=env,
            run_s=run_s,
            outcome=steering.outcome,
            auto_stopped=run_s < steering.run_seconds,
            created_at=now,
        )

    def _resolve_engine(self, engine: dict[str, Any]) -> dict[str, Any]:
        """`engine_id`, or `engine_name`+`engine_version`, must name a preset engine (2780 otherwise)."""
        if engine.get("image_url"):
            return dict(engine)
        if engine.get("engine_id"):
            found = self._engines.get(engine["engine_id"])
        elif engine.get("engine_name") or engine.get("engine_version"):
            wanted = (engine.get("engine_name"), engine.get("engine_version"))
            found = next((e for e in ENGINES if (e["engine_name"], e["engine_version"]) == wanted), None)
        else:
            return dict(engine)
        if found is None:
            raise ModelArtsError(400, "ModelArts.2780", f"EngineNotFound ({engine})", "Check the engine.")
        return {key: found[key] for key in ("engine_id", "engine_name", "engine_version")}


_OBS_URL_RE = re.compile(r"^(obs:/)?/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$")


def _data_channels(raw: Any, channel: str) -> list[dict[str, Any]]:
    """`algorithm.inputs` [Input] / `outputs` [Output] (表 6-429/6-430): `name` and `remote` required; an input's
    remote is `dataset {id, version_id}` or `obs {obs_url}`, an output's `obs {obs_url}` only. [DOC] each
    channel answers with its `local_dir`, by default `/home/ma-user/modelarts/<channel>/<name>_<index>`."""
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise invalid(f"algorithm.{channel} must be a list of objects.")
    channels = []
    for index, item in enumerate(raw):
        name, remote = item.get("name"), item.get("remote")
        if not isinstance(name, str) or not name:
            raise invalid(f"algorithm.{channel}[{index}].name is required.")
        if not isinstance(remote, dict) or not (remote.keys() & ({"obs", "dataset"} if channel == "inputs" else {"obs"})):
            raise invalid(f"algorithm.{channel}[{index}].remote needs "
                          + ("obs or dataset." if channel == "inputs" else "obs."))
        obs = remote.get("obs")
        if obs is not None and not (isinstance(obs, dict) and isinstance(obs.get("obs_url"), str)
                                    and _OBS_URL_RE.match(obs["obs_url"])):
            raise invalid(f"algorithm.{channel}[{index}].remote.obs.obs_url must be /bucket/path.")
        local_dir = item.get("local_dir") or f"/home/ma-user/modelarts/{channel}/{name}_{index}"
        channels.append({**item, "local_dir": local_dir})
    return channels


def _environments(raw: Any) -> dict[str, str]:
    """`algorithm.environments`: at most 100 pairs, names `[A-Za-z_][A-Za-z0-9_]*`."""
    if raw is None:
        return {}
    if not isinstance(raw, dict) or len(raw) > 100:
        raise invalid("algorithm.environments must be a map of at most 100 entries.")
    for key, value in raw.items():
        if not _ENV_NAME_RE.match(key) or len(key) > 8192:
            raise invalid(f"environment variable name {key!r} is invalid.")
        if not isinstance(value, str) or len(value) > 4096:
            raise invalid(f"environment variable {key} must be a string of at most 4096 characters.")
    return dict(raw)


def _auto_stop_seconds(raw: Any) -> float | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or raw.get("time_unit") != "HOURS":
        raise invalid("spec.auto_stop needs time_unit HOURS.")
    duration = int_value(raw.get("duration"), "spec.auto_stop.duration", minimum=1)
    return duration * 3600.0


def _between_predicate(values: list[str]) -> Callable[[_Job], bool]:
    """`create_time between [start_ms, end_ms]`; a blank bound is open."""
    error = ModelArtsError(400, "ModelArts.2809", f"UnsupportedConditionValue ({values})", "Check value.")
    if len(values) != 2:
        raise error
    try:
        low, high = (int(value) if value else None for value in values)
    except ValueError:
        raise error from None
    return lambda job: (low is None or ms(job.created_at) >= low) and (high is None or ms(job.created_at) <= high)


def _tags(body: Any, *, value_required: bool) -> list[tuple[str, str | None]]:
    """TmsTag list (表 6-452): key <= 128, no surrounding spaces, not `_sys_`; value <= 255."""
    tags = body.get("tags") if isinstance(body, dict) else None
    if not isinstance(tags, list) or not tags:
        raise ModelArtsError(400, "ModelArts.2788", "InvalidParam (tags)", "Send a non-empty tags list.")
    parsed = []
    for tag in tags:
        key = tag.get("key") if isinstance(tag, dict) else None
        value = tag.get("value") if isinstance(tag, dict) else None
        key_ok = isinstance(key, str) and 0 < len(key) <= 128 and key == key.strip() and not key.startswith("_sys_")
        value_ok = (value is None and not value_required) or (isinstance(value, str) and len(value) <= 255)
        if not (key_ok and value_ok):
            raise ModelArtsError(400, "ModelArts.2788", f"InvalidParam (tag {tag})", "Check the tag key and value.")
        parsed.append((key, value))
    return parsed


# --------------------------------------------------------------------------- routes


def routes(jobs: TrainingJobs, config: ModelArtsSimConfig, faults: FaultInjector) -> APIRouter:
    """The training paths, below `/v2/{project_id}`."""
    router = APIRouter()
    clock = config.clock

    @router.get("/training-job-flavors")
    async def list_flavors(flavor_type: str | None = None) -> dict[str, Any]:
        return jobs.flavors(flavor_type)

    @router.get("/training-job-engines")
    async def list_engines() -> dict[str, Any]:
        return jobs.engines()

    @router.post("/training-jobs", status_code=201)
    async def create_job(request: Request) -> JSONResponse:
        now = clock()
        job = jobs.create(await json_body(request), now, faults.is_sold_out)
        return JSONResponse(jobs.view(job, now), status_code=201)  # plain JSON: no walk by FastAPI's encoder

    @router.get("/training-jobs/{job_id}")
    async def get_job(job_id: str) -> dict[str, Any]:
        now = clock()
        return jobs.view(jobs.get(job_id, now), now)

    @router.put("/training-jobs/{job_id}")
    async def update_job(job_id: str, request: Request) -> Response:
        jobs.update_description(job_id, await json_body(request), clock())
        return Response("null", media_type="application/json")  # [DOC] 200 with a null body

    @router.delete("/training-jobs/{job_id}", status_code=202)
    async def delete_job(job_id: str) -> Response:
        jobs.delete(job_id, clock())
        return Response(status_code=202)

    @router.post("/training-jobs/{job_id}/actions", status_code=202)
    async def job_action(job_id: str, request: Request) -> dict[str, Any]:
        body = await json_body(request)
        action = body.get("action_type") if isinstance(body, dict) else None
        if action != "terminate":
            raise ModelArtsError(400, "ModelArts.2812", f"UnsupportedActionType: {action}", "Use terminate.")
        now = clock()
        return jobs.view(jobs.terminate(job_id, now), now)

    @router.post("/training-job-searches")
    async def search_jobs(request: Request) -> JSONResponse:
        # Plain JSON already: answered as it is, not walked by FastAPI's encoder (most of a big page's cost).
        return JSONResponse(jobs.search(await json_body(request), clock()))

    @router.get("/training-jobs/{job_id}/events")
    async def job_events(job_id: str, request: Request) -> dict[str, Any]:
        return jobs.events(job_id, dict(request.query_params), clock())

    @router.get("/training-jobs/{job_id}/tasks/{task_id}/logs/preview", response_model=None)
    async def log_preview(job_id: str, task_id: str) -> dict[str, Any] | Response:
        preview = jobs.log_preview(job_id, task_id, clock())
        # [DOC] 204 ModelArts.2776 NotReadyToFetchLog; a 204 carries no body, so only the status says it.
        return preview if preview is not None else Response(status_code=204)

    @router.get("/training-jobs/{job_id}/metrics/{task_id}", response_model=None)
    async def task_metrics(job_id: str, task_id: str) -> dict[str, Any] | Response:
        metrics = jobs.metrics(job_id, task_id, clock())
        return metrics if metrics is not None else Response(status_code=204)  # [DOC] 2777 NotReadyToFetchMetric

    # [DOC] tags live under the camelCase `trainJob`.
    @router.post("/trainJob/{job_id}/tags/create", status_code=204)
    async def create_tags(job_id: str, request: Request) -> Response:
        jobs.add_tags(job_id, await json_body(request), clock())
        return Response(status_code=204)

    @router.delete("/trainJob/{job_id}/tags/delete", status_code=204)
    async def delete_tags(job_id: str, request: Request) -> Response:
        jobs.delete_tags(job_id, await json_body(request), clock())
        return Response(status_code=204)

    @router.get("/trainJob/{job_id}/tags")
    async def list_tags(job_id: str) -> dict[str, Any]:
        return jobs.tags(job_id, clock())

    return router


def control_routes(jobs: TrainingJobs, config: ModelArtsSimConfig, faults: FaultInjector) -> APIRouter:
    """Simulator-only aids (not ModelArts paths): bulk seeding of training jobs (`seeding.py`) and the list of
    every training job created (`GET /_sim/jobs`), to count the vendor jobs a client made."""
    router = APIRouter()

    @router.get("/_sim/jobs")
    async def sim_jobs() -> list[dict[str, Any]]:
        return jobs.summary(config.clock())

    @router.delete("/_sim/jobs/{job_id}", status_code=204)
    async def sim_delete_job(job_id: str) -> Response:
        """Delete a training job as the vendor would (its logs go with it), without credentials: for tests of
        what outlives the vendor's copy."""
        jobs.delete(job_id, config.clock())
        return Response(status_code=204)

    @router.post(SEED_PATH)
    async def seed_jobs(request: Request) -> list[dict[str, Any]]:
        seed = parse_seed_request(await json_body(request))
        now = config.clock()
        answer = []
        for index, body in enumerate(seed.bodies):
            job = jobs.create(body, now, faults.is_sold_out)  # exactly what POST /training-jobs runs
            claim = jobs._claim(job)
            pending_s = seed.pending(index)
            if pending_s is not None:
                claim.ready_at = now + config.creating_s + pending_s
            answer.append(seeded(job.job_id, job.name, jobs.phase(job, now)[0], claim.ready_at))
        return answer

    return router
