"""Huawei ModelArts simulator: IAM tokens and training jobs v2, as the API reference documents them.

Job state is never advanced by a background task: every request first replays the
scheduler up to "now" from the jobs' timestamps (`_TrainingJobs._advance`), so what a
client sees is deterministic for a given sequence of calls and never moves backwards.

Lifecycle: Creating (creating_s) -> Pending/Queuing (pending_s, longer while the
flavor has no free slot) -> Running (run_s, or the job's steering) -> Completed |
Failed. Terminate: Creating|Pending|Running -> Terminating (terminating_s) -> Terminated.
Each flavor has `capacity` slots; a job takes `node_count` of them, first come first served.
"""

from __future__ import annotations

import argparse
import math
import re
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, Request, Response
from fastapi.responses import JSONResponse

from services.vendorsim.faults import FaultInjector, FaultResponses, install_faults
from services.vendorsim.steering import Outcome, SteeringError, parse_steering

VENDOR = "modelarts"
DEFAULT_PORT = 18001  # where the adapter's default endpoint looks
FAST_ARGS = ["--creating-s", "0.5", "--pending-s", "0.5"]  # short phases, for the end-to-end tests
DEFAULT_PROJECT_ID = "0b2f5e7c9d1a4e3f8a6b5c4d3e2f1a0b"


@dataclass(frozen=True)
class ModelArtsSimConfig:
    username: str = "sim-user"
    password: str = "sim-password"
    domain: str = "sim-domain"
    project_id: str = DEFAULT_PROJECT_ID
    project_name: str = "cn-north-4"
    token_ttl_s: float = 86400.0
    creating_s: float = 1.0
    pending_s: float = 1.0
    run_s: float = 5.0  # run time of a job without steering
    terminating_s: float = 1.0
    capacity: int = 4  # slots (nodes) per flavor
    # The doc defines the search `offset` as a page index; the live API may use records.
    search_offset_mode: Literal["page", "record"] = "page"
    fault_seed: int = 0
    clock: Callable[[], float] = time.time


# --------------------------------------------------------------------------- errors


class ModelArtsError(Exception):
    def __init__(self, http_status: int, code: str, msg: str, solution: str = "") -> None:
        super().__init__(f"{code}: {msg}")
        self.http_status = http_status
        self.code = code
        self.msg = msg
        self.solution = solution


def _error_response(
    http_status: int, code: str, msg: str, solution: str = "", headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"error_code": code, "error_msg": msg, "error_solution": solution}
    return JSONResponse(body, status_code=http_status, headers=headers)


def _invalid(msg: str) -> ModelArtsError:
    return ModelArtsError(400, "ModelArts.0101", f"Invalid Argument. {msg}", "Check the request parameters.")


FAULT_RESPONSES = FaultResponses(
    server_error=lambda: _error_response(500, "ModelArts.0010", "Internal error.", "Contact O&M."),
    throttled=lambda: _error_response(
        429, "ModelArts.2799", "TooManyRequests", "Try again later.", headers={"Retry-After": "1"}
    ),
    # The doc has no ModelArts code for 503; reuse the internal-error code.
    unavailable=lambda: _error_response(503, "ModelArts.0010", "Service unavailable.", "Try again later."),
)


# --------------------------------------------------------------------------- flavors


@dataclass(frozen=True)
class SimFlavor:
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
FLAVORS: tuple[SimFlavor, ...] = (
    SimFlavor("modelarts.vm.cpu.8u", "Computing CPU(8U) instance", "CPU",
              "modelarts.vm.cpu.8u", 1, 4, "x86", 8, 32),
    SimFlavor("modelarts.p3.large.public", "Computing GPU(Vnt1) instance", "GPU",
              "modelarts.vm.gpu.vnt1", 1, 1, "x86", 8, 64, 1, "GP-Vnt1", "32GB"),
    SimFlavor("modelarts.bm.gpu.8v100", "Computing GPU(8*Vnt1) instance", "GPU",
              "modelarts.bm.gpu.8v100", 1, 4, "x86", 72, 512, 8, "GP-Vnt1", "32GB"),
    SimFlavor("modelarts.vm.snt9.1card", "Ascend: 1*Ascend-snt9b", "Ascend",
              "modelarts.vm.snt9.1card", 1, 1, "aarch64", 24, 192, 1, "Ascend-snt9b", "64GB"),
    # Billing code and unit count as in the doc's notebook flavor example.
    SimFlavor("modelarts.bm.snt9.xlarge.2", "Ascend: 2*Ascend-snt9b", "Ascend",
              "modelarts.kat1.xlarge", 2, 2, "aarch64", 48, 192, 2, "Ascend-snt9b", "64GB"),
    SimFlavor("modelarts.vm.snt9.8card", "Ascend: 8*Ascend-snt9b", "Ascend",
              "modelarts.kat1.8xlarge", 1, 4, "aarch64", 192, 1536, 8, "Ascend-snt9b", "64GB"),
)
# fmt: on


# --------------------------------------------------------------------------- IAM tokens


@dataclass(frozen=True)
class _Token:
    project_id: str
    expires_at: float


class _Tokens:
    def __init__(self, config: ModelArtsSimConfig) -> None:
        self._config = config
        self._tokens: dict[str, _Token] = {}

    def issue(self, now: float) -> tuple[str, _Token]:
        token = "MII" + secrets.token_urlsafe(48)
        record = _Token(self._config.project_id, now + self._config.token_ttl_s)
        self._tokens[token] = record
        return token, record

    def expire_all(self, now: float) -> None:
        self._tokens = {key: _Token(t.project_id, min(t.expires_at, now)) for key, t in self._tokens.items()}

    def authorize(self, token: str | None, project_id: str, now: float) -> None:
        if not token:
            raise ModelArtsError(401, "ModelArts.0201", "Token doesn't exist.", "Add a valid X-Auth-Token header.")
        record = self._tokens.get(token)
        if record is None:
            raise ModelArtsError(401, "ModelArts.0203", "Invalid token.", "Use a valid token.")
        if now >= record.expires_at:
            raise ModelArtsError(
                401, "ModelArts.0202", "Invalid token header because the token has expired.", "Use a valid token."
            )
        if project_id != record.project_id:
            raise ModelArtsError(
                403,
                "ModelArts.0210",
                "The project id in the request URL does not match the token.",
                "Use the project ID the token was issued for.",
            )


def _iam_error(http_status: int, title: str, message: str) -> JSONResponse:
    # IAM is not ModelArts: it answers in Keystone's error shape (not in the ModelArts doc).
    return JSONResponse({"error": {"code": http_status, "title": title, "message": message}}, status_code=http_status)


def _iso_z(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --------------------------------------------------------------------------- training jobs

_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PHASES = ("Creating", "Pending", "Running", "Failed", "Completed", "Terminating", "Terminated", "Abnormal")
_TERMINABLE = ("Creating", "Pending", "Running")


@dataclass
class _Job:
    job_id: str
    seq: int
    kind: str
    name: str
    description: str
    algorithm: dict[str, Any]  # request echo
    spec: dict[str, Any]  # request echo
    flavor: SimFlavor
    node_count: int
    env: dict[str, str]
    run_s: float  # how long it runs once started (steering, capped by auto_stop)
    outcome: Outcome
    auto_stopped: bool  # auto_stop cuts the run short
    created_at: float
    ready_at: float  # earliest moment it may take a slot
    start_at: float | None = None
    end_at: float | None = None  # when it releases its slots
    terminate_at: float | None = None
    deleted: bool = False


@dataclass
class _FlavorQueue:
    waiting: list[_Job] = field(default_factory=list)  # FIFO by ready_at
    last_start: float = 0.0


class _TrainingJobs:
    def __init__(self, config: ModelArtsSimConfig) -> None:
        self._config = config
        self._flavors = {flavor.flavor_id: flavor for flavor in FLAVORS}
        self._jobs: dict[str, _Job] = {}
        self._queues = {flavor_id: _FlavorQueue() for flavor_id in self._flavors}
        self._seq = 0

    # ---- flavors

    def flavors(self, flavor_type: str | None) -> dict[str, Any]:
        if flavor_type not in (None, "", "CPU", "GPU", "Ascend"):
            raise _invalid(f"flavor_type {flavor_type!r} must be CPU, GPU or Ascend.")
        items = [
            flavor.to_response(self._config.capacity)
            for flavor in FLAVORS
            if not flavor_type or flavor.flavor_type == flavor_type
        ]
        return {"total_count": len(items), "flavors": items}

    # ---- commands

    def create(self, body: Any, now: float, sold_out: Callable[[str], bool]) -> _Job:
        self._advance(now)
        job = self._parse_create(body, now)
        if any(other.name == job.name and not other.deleted for other in self._jobs.values()):
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
        self._jobs[job.job_id] = job
        self._queues[job.flavor.flavor_id].waiting.append(job)
        return job

    def get(self, job_id: str, now: float) -> _Job:
        self._advance(now)
        job = self._jobs.get(job_id)
        if job is None or job.deleted:
            raise ModelArtsError(
                400, "ModelArts.2775", f"TrainingJobNotFound (id: {job_id})", "Check the training job ID."
            )
        return job

    def terminate(self, job_id: str, now: float) -> _Job:
        job = self.get(job_id, now)
        phase, _ = self.phase(job, now)
        if phase not in _TERMINABLE:
            raise ModelArtsError(409, "ModelArts.2796", "NotAllowedTo Terminate", "Check the job status.")
        job.terminate_at = now
        self._release(job, now + self._config.terminating_s)
        return job

    def delete(self, job_id: str, now: float) -> None:
        job = self.get(job_id, now)
        job.deleted = True
        self._release(job, now)

    def _release(self, job: _Job, at: float) -> None:
        """Free the job's slots at `at` (>= now), or drop it from its queue if it never started."""
        if job.start_at is None:
            queue = self._queues[job.flavor.flavor_id].waiting
            if job in queue:
                queue.remove(job)
        elif job.end_at is not None and job.end_at > at:
            job.end_at = at

    # ---- scheduler

    def _advance(self, now: float) -> None:
        """Start, in FIFO order per flavor, every waiting job whose slot came free by `now`."""
        for flavor_id, queue in self._queues.items():
            while queue.waiting:
                job = queue.waiting[0]
                start = self._earliest_start(job, flavor_id, queue.last_start)
                if start > now:
                    break
                queue.waiting.pop(0)
                queue.last_start = start
                job.start_at = start
                job.end_at = start + job.run_s

    def _earliest_start(self, job: _Job, flavor_id: str, last_start: float) -> float:
        # FIFO: no job starts before the one ahead of it, so every job already started
        # holds its slots from before `earliest`; only their end times matter.
        earliest = max(job.ready_at, last_start)
        busy = sorted(
            (other.end_at, other.node_count)
            for other in self._jobs.values()
            if other.flavor.flavor_id == flavor_id
            and other.end_at is not None
            and other.end_at > earliest
        )
        free = self._config.capacity - sum(nodes for _, nodes in busy)
        if free >= job.node_count:
            return earliest
        for end_at, nodes in busy:
            free += nodes
            if free >= job.node_count:
                return end_at
        return math.inf  # cannot happen: node_count <= capacity is validated on create

    # ---- views

    def phase(self, job: _Job, now: float) -> tuple[str, str]:
        """(phase, secondary_phase) at `now`; call after `_advance(now)`."""
        if job.terminate_at is not None:
            if now < job.terminate_at + self._config.terminating_s:
                return "Terminating", "Terminating"
            return "Terminated", "Terminated"
        if now < job.created_at + self._config.creating_s:
            return "Creating", "Creating"
        if job.start_at is None or job.end_at is None:
            return "Pending", "Queuing"
        if now < job.end_at:
            return "Running", "Running"
        if job.auto_stopped:
            return "Terminated", "Terminated"
        if job.outcome is Outcome.FAILED:
            return "Failed", "Failed"
        return "Completed", "Completed"

    def view(self, job: _Job, now: float) -> dict[str, Any]:
        """JobResponse (表 6-374)."""
        phase, secondary = self.phase(job, now)
        tasks = [f"worker-{index}" for index in range(job.node_count)]
        status: dict[str, Any] = {
            "phase": phase,
            "secondary_phase": secondary,
            "duration": 0,
            "start_time": 0,
            "node_count_metrics": None,
            "tasks": tasks,
        }
        if job.start_at is not None and job.end_at is not None:
            running_until = min(now, job.end_at)
            status["start_time"] = _ms(job.start_at)
            # Difference of rounded instants, so start_time + duration is exactly the end in ms.
            status["duration"] = _ms(running_until) - _ms(job.start_at)
            record: dict[str, Any] = {"start_at": int(job.start_at), "start_type": "init_or_rescheduled"}
            if now >= job.end_at:
                record["end_at"] = int(job.end_at)
            status["running_records"] = [record]
        if phase == "Failed":
            status["task_statuses"] = [
                {"task": task, "exit_code": 1, "message": "Simulated failure (SWITCHYARD_SIM_OUTCOME=failed)."}
                for task in tasks
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
                "create_time": _ms(job.created_at),
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

    # ---- search

    def search(self, body: Any, now: float) -> dict[str, Any]:
        self._advance(now)
        if not isinstance(body, dict):
            raise ModelArtsError(400, "ModelArts.2787", "InvalidJsonBody", "Check the request body.")
        offset = _int_field(body, "offset", default=0, minimum=0)
        limit = _int_field(body, "limit", default=10, minimum=1, maximum=50)
        sort_by = body.get("sort_by") or "create_time"
        if sort_by != "create_time":
            raise ModelArtsError(400, "ModelArts.2790", "UnsupportedSortBy", "Check the sort_by value.")
        order = body.get("order") or "desc"
        if order not in ("asc", "desc"):
            raise _invalid("order must be asc or desc.")
        filters = body.get("filters") or []
        if not isinstance(filters, list):
            raise _invalid("filters must be a list.")
        predicates = [self._predicate(item, now) for item in filters]

        jobs = sorted((job for job in self._jobs.values() if not job.deleted), key=lambda job: job.seq)
        if order == "desc":
            jobs.reverse()
        matching = [job for job in jobs if all(predicate(job) for predicate in predicates)]
        first = offset * limit if self._config.search_offset_mode == "page" else offset
        page = matching[first : first + limit]
        return {
            "total": len(jobs),
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
            raise _invalid("each filter must be an object.")
        key, operator, values = item.get("key"), item.get("operator"), item.get("value")
        if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
            raise ModelArtsError(400, "ModelArts.2809", f"UnsupportedConditionValue ({values})", "Check value.")
        wanted = [value for value in values if value]
        if not wanted:  # the doc's example sends blank values for filters it does not use
            return lambda job: True
        supported = {"name": ("like", "in"), "phase": ("in", "not"), "kind": ("in",), "create_time": ("between",)}
        if key not in supported:
            raise ModelArtsError(400, "ModelArts.2807", f"UnsupportedConditionKey ({key})", "Check key.")
        if operator not in supported[key]:
            raise ModelArtsError(400, "ModelArts.2808", f"UnsupportedConditionOperator ({operator})", "Check operator.")
        if key == "name" and operator == "like":
            return lambda job: any(value.lower() in job.name.lower() for value in wanted)
        if key == "name":
            return lambda job: job.name in wanted
        if key == "kind":
            return lambda job: job.kind in wanted
        if key == "phase":
            if any(value not in _PHASES for value in wanted):
                raise ModelArtsError(400, "ModelArts.2809", f"UnsupportedConditionValue ({values})", "Check value.")
            inside = operator == "in"
            return lambda job: (self.phase(job, now)[0] in wanted) == inside
        return _between_predicate(values)

    # ---- request parsing

    def _parse_create(self, body: Any, now: float) -> _Job:
        if not isinstance(body, dict):
            raise ModelArtsError(400, "ModelArts.2787", "InvalidJsonBody", "Check the request body.")
        kind = body.get("kind", "job")
        if kind not in ("job", "visualization_job"):
            raise _invalid("kind must be job or visualization_job.")
        metadata = _object_field(body, "metadata", required=True)
        name = metadata.get("name")
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise _invalid("metadata.name must be 1-64 characters of letters, digits, '_' and '-'.")
        description = metadata.get("description") or ""
        if not isinstance(description, str) or len(description) > 256:
            raise _invalid("metadata.description must be a string of at most 256 characters.")

        algorithm = _object_field(body, "algorithm", required=True)
        engine = algorithm.get("engine") or {}
        if not isinstance(engine, dict):
            raise _invalid("algorithm.engine must be an object.")
        image_url, command = engine.get("image_url"), algorithm.get("command")
        if (image_url or command) and not (image_url and command):
            raise ModelArtsError(
                400, "ModelArts.2806", "MustHaveCmdAndImage", "Set both algorithm.command and engine.image_url."
            )
        if not (image_url or algorithm.get("id") or (algorithm.get("code_dir") and algorithm.get("boot_file"))):
            raise _invalid("algorithm needs id, code_dir+boot_file, or engine.image_url+command.")
        env = _environments(algorithm.get("environments"))
        try:
            steering = parse_steering(env, self._config.run_s)
        except SteeringError as exc:
            raise _invalid(str(exc)) from None

        spec = _object_field(body, "spec", required=True)
        resource = _object_field(spec, "resource", required=True)
        flavor_id = resource.get("flavor_id")
        if resource.get("pool_id"):
            raise _invalid("dedicated pools (pool_id) are not simulated.")
        flavor = self._flavors.get(flavor_id) if isinstance(flavor_id, str) else None
        if flavor is None:
            raise ModelArtsError(400, "ModelArts.2781", f"FlavorNotFound ({flavor_id})", "Check the flavor.")
        node_count = resource.get("node_count", 1)
        if not isinstance(node_count, int) or isinstance(node_count, bool) or node_count < 1:
            raise _invalid("spec.resource.node_count must be an integer >= 1.")
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
            ready_at=now + self._config.creating_s + self._config.pending_s,
        )


def _ms(seconds: float) -> int:
    return int(round(seconds * 1000))


def _object_field(parent: dict[str, Any], key: str, *, required: bool) -> dict[str, Any]:
    value = parent.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise _invalid(f"{key} must be an object.")
    return value


def _int_field(body: dict[str, Any], key: str, *, default: int, minimum: int, maximum: int | None = None) -> int:
    value = body.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum or (maximum and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum else f">= {minimum}"
        raise _invalid(f"{key} must be an integer {bound}.")
    return value


def _environments(raw: Any) -> dict[str, str]:
    """`algorithm.environments`: at most 100 pairs, names `[A-Za-z_][A-Za-z0-9_]*`."""
    if raw is None:
        return {}
    if not isinstance(raw, dict) or len(raw) > 100:
        raise _invalid("algorithm.environments must be a map of at most 100 entries.")
    for key, value in raw.items():
        if not _ENV_NAME_RE.match(key) or len(key) > 8192:
            raise _invalid(f"environment variable name {key!r} is invalid.")
        if not isinstance(value, str) or len(value) > 4096:
            raise _invalid(f"environment variable {key} must be a string of at most 4096 characters.")
    return dict(raw)


def _auto_stop_seconds(raw: Any) -> float | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or raw.get("time_unit") != "HOURS":
        raise _invalid("spec.auto_stop needs time_unit HOURS.")
    duration = raw.get("duration")
    if not isinstance(duration, int) or isinstance(duration, bool) or duration < 1:
        raise _invalid("spec.auto_stop.duration must be an integer >= 1.")
    return duration * 3600.0


def _between_predicate(values: list[str]) -> Callable[[_Job], bool]:
    """`create_time between [start_ms, end_ms]`; a blank bound is open."""
    if len(values) != 2:
        raise ModelArtsError(400, "ModelArts.2809", f"UnsupportedConditionValue ({values})", "Check value.")
    try:
        low, high = (int(value) if value else None for value in values)
    except ValueError:
        raise ModelArtsError(400, "ModelArts.2809", f"UnsupportedConditionValue ({values})", "Check value.") from None
    return lambda job: (low is None or _ms(job.created_at) >= low) and (high is None or _ms(job.created_at) <= high)


# --------------------------------------------------------------------------- app


def create_app(config: ModelArtsSimConfig | None = None) -> FastAPI:
    config = config or ModelArtsSimConfig()
    if config.capacity < 1:
        raise ValueError("capacity must be >= 1")
    clock = config.clock
    tokens = _Tokens(config)
    jobs = _TrainingJobs(config)
    faults = FaultInjector(config.fault_seed)

    app = FastAPI(title="ModelArts simulator")
    install_faults(app, faults, FAULT_RESPONSES)

    @app.exception_handler(ModelArtsError)
    async def modelarts_error(_: Request, exc: ModelArtsError) -> JSONResponse:
        return _error_response(exc.http_status, exc.code, exc.msg, exc.solution)

    @app.exception_handler(404)
    async def path_not_found(request: Request, _: Exception) -> JSONResponse:
        return _error_response(404, "ModelArts.2836", f"PathNotFound ({request.url.path})", "Check the URL.")

    @app.post("/v3/auth/tokens")
    async def issue_token(request: Request) -> Response:
        try:
            auth = (await request.json())["auth"]
            user = auth["identity"]["password"]["user"]
            scope = auth["scope"]["project"]
            methods = auth["identity"]["methods"]
        except (ValueError, KeyError, TypeError):
            return _iam_error(400, "Bad Request", "The request body is invalid.")
        wrong_user = (
            user.get("name") != config.username
            or user.get("password") != config.password
            or (user.get("domain") or {}).get("name") != config.domain
            or methods != ["password"]
        )
        if wrong_user:
            return _iam_error(401, "Unauthorized", "The username or password is wrong.")
        if scope.get("name", config.project_name) != config.project_name or scope.get(
            "id", config.project_id
        ) != config.project_id:
            return _iam_error(401, "Unauthorized", "The project in the scope is unknown.")
        now = clock()
        token, record = tokens.issue(now)
        domain = {"id": "d" + config.project_id[1:], "name": config.domain}
        body = {
            "token": {
                "expires_at": _iso_z(record.expires_at),
                "issued_at": _iso_z(now),
                "methods": ["password"],
                "project": {"id": config.project_id, "name": config.project_name, "domain": domain},
                "user": {"id": "u" + config.project_id[1:], "name": config.username, "domain": domain},
                "roles": [{"id": "0", "name": "op_user"}],
                "catalog": [],
            }
        }
        return JSONResponse(body, status_code=201, headers={"X-Subject-Token": token})

    async def authorize(project_id: str, x_auth_token: str | None = Header(default=None)) -> None:
        tokens.authorize(x_auth_token, project_id, clock())

    v2 = APIRouter(prefix="/v2/{project_id}", dependencies=[Depends(authorize)])

    @v2.get("/training-job-flavors")
    async def list_flavors(flavor_type: str | None = None) -> dict[str, Any]:
        return jobs.flavors(flavor_type)

    @v2.post("/training-jobs", status_code=201)
    async def create_job(request: Request) -> dict[str, Any]:
        now = clock()
        job = jobs.create(await _json_body(request), now, faults.is_sold_out)
        return jobs.view(job, now)

    @v2.get("/training-jobs/{job_id}")
    async def get_job(job_id: str) -> dict[str, Any]:
        now = clock()
        return jobs.view(jobs.get(job_id, now), now)

    @v2.delete("/training-jobs/{job_id}", status_code=202)
    async def delete_job(job_id: str) -> Response:
        jobs.delete(job_id, clock())
        return Response(status_code=202)

    @v2.post("/training-jobs/{job_id}/actions", status_code=202)
    async def job_action(job_id: str, request: Request) -> dict[str, Any]:
        body = await _json_body(request)
        action = body.get("action_type") if isinstance(body, dict) else None
        if action != "terminate":
            raise ModelArtsError(400, "ModelArts.2812", f"UnsupportedActionType: {action}", "Use terminate.")
        now = clock()
        return jobs.view(jobs.terminate(job_id, now), now)

    @v2.post("/training-job-searches")
    async def search_jobs(request: Request) -> dict[str, Any]:
        return jobs.search(await _json_body(request), clock())

    app.include_router(v2)

    @app.post("/_sim/tokens/expire", status_code=204)
    async def expire_tokens() -> Response:
        """Simulator control: every token issued so far expires now (tests the refresh path)."""
        tokens.expire_all(clock())
        return Response(status_code=204)

    return app


async def _json_body(request: Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        raise ModelArtsError(400, "ModelArts.2787", "InvalidJsonBody", "Check the request body.") from None


# --------------------------------------------------------------------------- CLI hooks


def add_cli_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = ModelArtsSimConfig()
    parser.add_argument("--username", default=defaults.username)
    parser.add_argument("--password", default=defaults.password)
    parser.add_argument("--domain", default=defaults.domain)
    parser.add_argument("--project-id", default=defaults.project_id)
    parser.add_argument("--project-name", default=defaults.project_name)
    parser.add_argument("--token-ttl-s", type=float, default=defaults.token_ttl_s)
    parser.add_argument("--creating-s", type=float, default=defaults.creating_s)
    parser.add_argument("--pending-s", type=float, default=defaults.pending_s)
    parser.add_argument("--run-s", type=float, default=defaults.run_s, help="default run duration")
    parser.add_argument("--terminating-s", type=float, default=defaults.terminating_s)
    parser.add_argument("--capacity", type=int, default=defaults.capacity, help="slots (nodes) per flavor")
    parser.add_argument("--search-offset-mode", choices=("page", "record"), default=defaults.search_offset_mode)
    parser.add_argument("--fault-seed", type=int, default=defaults.fault_seed)


def config_from_cli(args: argparse.Namespace) -> ModelArtsSimConfig:
    return ModelArtsSimConfig(
        username=args.username,
        password=args.password,
        domain=args.domain,
        project_id=args.project_id,
        project_name=args.project_name,
        token_ttl_s=args.token_ttl_s,
        creating_s=args.creating_s,
        pending_s=args.pending_s,
        run_s=args.run_s,
        terminating_s=args.terminating_s,
        capacity=args.capacity,
        search_offset_mode=args.search_offset_mode,
        fault_seed=args.fault_seed,
    )


def banner(config: ModelArtsSimConfig) -> str:
    return (
        f"ModelArts simulator: username={config.username} password={config.password} "
        f"domain={config.domain} project_id={config.project_id} project_name={config.project_name}"
    )
