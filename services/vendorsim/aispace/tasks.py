"""LLM task containers and tasks (section 7) and training jobs (section 11), all Cube Studio `maas` tasks.

A container (`maas_modelview/{t}`, a Cube Studio pipeline; `lab` = an experiment) groups sub-tasks. A task
(`maas_task_modelview/{t}`) is an LLM pre-training / fine-tuning run (`pt`, `sft`, `dpo`, `rw`, `ppo`) or a
training job (`slm`); its cpu/gpu/memory are the package's spec times `workers` [DOC]. Create does not start it:
`maas_run` does [DOC], and may run it again once it ended.

Status (Argo workflow phases [DOC]): "" (never run) -> Pending (pending_s, longer while the package is full) ->
Running (steering's run time) -> Succeeded | Failed; stop -> Terminated. Steering comes from the training job's
`expand.trainWorkArgs.envs`, and from an LLM task's `args` (the hyperparameters its container gets as environment).

[INFER] Training jobs have no documented read: `GET maas_task_modelview/slm/api/{id}` and the `form_data` list work
as they do for the LLM types. `changed_on` moves on every write and every phase change (the workflow watcher
writes the status into the row); `last_run_time` is when the latest `maas_run` was called.
"""

import json
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from services.vendorsim.aispace import aihub as aihubs
from services.vendorsim.aispace import fields, times
from services.vendorsim.aispace.capacity import Run
from services.vendorsim.aispace.config import AISpaceSimConfig
from services.vendorsim.aispace.notebooks import NAME
from services.vendorsim.aispace.resources import Package, Resources
from services.vendorsim.aispace.wire import AISpaceError, Code, invalid, not_found
from services.vendorsim.steering import Outcome, Steering, SteeringError, parse_steering

LLM_TYPES = ("pt", "sft", "dpo", "rw", "ppo")
TASK_TYPES = (*LLM_TYPES, "slm")
CONTAINER_TYPES = (*LLM_TYPES, "lab")
ALERT_STATUS = "Pending,Running,Succeeded,Failed,Terminated"
_LIST_ONLY = ("elapsed_time", "percentage")  # [DOC] in the 7.5 list items, not in the 7.4 detail
# What the edit example shows for a task that never ran: an svg icon, then "未知".
_UNKNOWN_FINAL_STATUS = (
    '<svg t="1" class="icon" viewBox="0 0 1024 1024" version="1.1" width="16" height="16"><path d="M512 64"/></svg>'
    "&nbsp;&nbsp;未知"
)
# AIHub models the examples name: id -> (name, model_type).

_SLM_FIELDS = (
    "name", "maas_task_type", "billing_mode", "images", "command", "spec_type", "node_selector", "expand",
)  # fmt: skip
_LLM_FIELDS = (
    "jobname", "name", "label", "storage_type", "billing_mode", "spec_type", "node_selector", "workers",
    "framework", "ft_type", "level", "advanced_mode", "framework_template", "aihub_id", "dataset_ids", "maas",
    "args", "framework_config",
)  # fmt: skip


@dataclass
class Container:
    id: int
    type: str
    name: str
    project_id: int
    describe: str
    created_at: float
    changed_at: float
    deleted: bool = False


@dataclass
class Task:
    id: int
    type: str
    name: str
    project_id: int
    package: Package
    workers: int
    container: Container | None
    record: dict[str, Any]  # what the client sent
    args: dict[str, Any]
    framework_config: dict[str, Any] | None
    expand: dict[str, Any]
    steering: Steering
    created_at: float
    changed_at: float
    argo_suffix: str = field(default_factory=lambda: secrets.token_hex(2))
    runs: list[Run] = field(default_factory=list)
    deleted: bool = False

    @property
    def run(self) -> Run | None:
        return self.runs[-1] if self.runs else None


class Tasks:
    def __init__(self, config: AISpaceSimConfig, resources: Resources) -> None:
        self._config = config
        self._resources = resources
        self._containers: dict[int, Container] = {}
        self._tasks: dict[int, Task] = {}
        # (type, name) of every task not deleted, counted (an edit may give two the same name): the duplicate
        # check on create without a scan of every task.
        self._live_names: Counter[tuple[str, str]] = Counter()
        self._next_container = 74
        self._next_task = 88

    # ---- containers (7.15, 7.16, 12.2, 12.3)

    def create_container(self, kind: str, body: Any, now: float) -> Container:
        _container_type(kind)
        body = fields.body_object(body)
        fields.require(body, ("project", "name", "describe"))
        name = fields.text(body, "name")
        if any(c.name == name and not c.deleted for c in self._containers.values()):
            # Upstream pipeline names are unique.
            raise AISpaceError(Code.ALREADY_EXISTS, f"{name} already exists")
        project_id = self._resources.project(fields.integer(body, "project", "project_id", "projectId")).id
        container = Container(self._next_container, kind, name, project_id, fields.text(body, "describe"), now, now)
        self._next_container += 1
        self._containers[container.id] = container
        return container

    def delete_container(self, kind: str, container_id: Any, now: float) -> Container:
        container = self.container(kind, container_id)
        container.deleted = True
        container.describe += "(废弃)"  # [DOC] soft delete
        container.changed_at = now
        return container

    def container(self, kind: str, container_id: Any) -> Container:
        _container_type(kind)
        return _live(self._containers, kind, container_id)

    def containers(self, kind: str) -> list[Container]:
        _container_type(kind)
        return _all_live(self._containers, kind)

    def container_view(self, container: Container) -> dict[str, Any]:
        """The pipeline record of 7.16 (lab records carry fewer fields upstream; the extra ones do no harm)."""
        return {
            "alert_status": ALERT_STATUS,
            "alert_user": "",
            "changed_by_fk": 14,
            "changed_on": times.iso(container.changed_at),
            "created_by_fk": 14,
            "created_on": times.iso(container.created_at),
            "cron_time": None,
            "cronjob_start_time": times.spaced(container.created_at),
            "dag_json": "{}",
            "depends_on_past": False,
            "describe": container.describe,
            "expand": "[]",
            "expired_limit": 0,
            "global_env": "",
            "id": container.id,
            "image_pull_policy": "IfNotPresent",
            "max_active_runs": 3,
            "name": container.name,
            "namespace": "pipeline",
            "node_selector": "cpu=true,train=true",
            "parallelism": 1,
            "parameter": "{}",
            "pipeline_argo_id": None,
            "pipeline_file": "",
            "project_id": container.project_id,
            "run_id": None,
            "schedule_type": "once",
            "type": container.type,
            "version_id": None,
        }

    # ---- tasks

    def create(self, kind: str, body: Any, now: float, sold_out: Callable[[str], bool]) -> Task:
        _task_type(kind)
        body = fields.body_object(body)
        task = self._parse(kind, body, now, sold_out, task_id=self._next_task)
        if self._live_names[(kind, task.name)]:
            raise AISpaceError(Code.ALREADY_EXISTS, f"{kind} task {task.name} already exists")
        self._next_task += 1
        self._tasks[task.id] = task
        self._live_names[(kind, task.name)] += 1
        return task

    def edit(self, kind: str, task_id: Any, body: Any, now: float, sold_out: Callable[[str], bool]) -> Task:
        task = self.get(kind, task_id)
        if self.active(task, now):
            raise AISpaceError(
                Code.INCORRECT_STATE, f"{kind} task {task.id} is {self.status(task, now)}; stop it first"
            )
        edited = self._parse(kind, fields.body_object(body), now, sold_out, task_id=task.id)
        edited.created_at, edited.argo_suffix, edited.runs = task.created_at, task.argo_suffix, task.runs
        self._tasks[task.id] = edited
        self._live_names[(kind, task.name)] -= 1
        self._live_names[(kind, edited.name)] += 1
        return edited

    def run(self, kind: str, task_id: Any, now: float) -> None:
        task = self.get(kind, task_id)
        if self.active(task, now):
            raise AISpaceError(Code.INCORRECT_STATE, f"{kind} task {task.id} is already {self.status(task, now)}")
        package = self._resources.usable(task.package.resource_id, task.project_id, now)
        run = Run(
            demand=package.node.times(task.workers),
            nodes=task.workers,
            requested_at=now,
            ready_at=now + self._config.pending_s,
            run_s=task.steering.run_seconds,
            outcome=task.steering.outcome,
        )
        task.runs.append(run)
        package.pool.enqueue(run)
        package.pool.advance(now)

    def seeded_pending(self, task: Task, pending_s: float | None) -> Run:
        """Bulk seeding only (`/_sim/seed`): give a task just run its own pending time."""
        run = task.run
        assert run is not None
        if pending_s is not None and run.start_at is None:
            run.ready_at = run.requested_at + pending_s
        return run

    def stop(self, kind: str, task_id: Any, now: float) -> None:
        """Stopping a task that is not running changes nothing (upstream deletes the workflow, if any)."""
        task = self.get(kind, task_id)
        if task.run is not None and self.active(task, now):
            task.package.pool.stop(task.run, now)

    def delete(self, task_id: Any, now: float) -> Task:
        """deleteInstance type 5, for LLM tasks and training jobs alike (soft delete)."""
        task = self._tasks.get(_id(task_id))
        if task is None or task.deleted:
            raise not_found(f"task {task_id}")
        if task.run is not None:
            task.package.pool.stop(task.run, now)
        task.deleted = True
        self._live_names[(task.type, task.name)] -= 1
        task.changed_at = now
        return task

    def get(self, kind: str, task_id: Any) -> Task:
        _task_type(kind)
        return _live(self._tasks, kind, task_id)

    def all(self, kind: str) -> list[Task]:
        _task_type(kind)
        return _all_live(self._tasks, kind)

    def summary(self, now: float) -> list[dict[str, Any]]:
        """Every task ever created, deleted ones too, with how often it was run, for the simulator's own
        `/_sim/jobs` (not an AI Space path)."""
        return [{"job_id": f"{task.type}:{task.id}", "name": task.name, "status": self.status(task, now),
                 "runs": len(task.runs), "deleted": task.deleted} for task in self._tasks.values()]

    def active(self, task: Task, now: float) -> bool:
        if task.run is None:
            return False
        release = task.run.released_at()
        return release is None or release > now

    def status(self, task: Task, now: float) -> str:
        run = task.run
        if run is None:
            return ""
        if self.active(task, now):
            return "Running" if run.holds_at(now) else "Pending"
        if run.was_stopped():
            return "Terminated"
        return "Failed" if run.outcome is Outcome.FAILED else "Succeeded"

    def changed_on(self, task: Task, now: float) -> float:
        moments = [task.changed_at]
        if task.run is not None:
            release = task.run.released_at()
            moments += [t for t in (task.run.requested_at, task.run.start_at, release) if t is not None and t <= now]
        return max(moments)

    def view(
        self, task: Task, now: float, *, nested: bool, json_text: bool, str_related: bool = True
    ) -> dict[str, Any]:
        """One shape for create (7.2/11.2), edit, detail (7.4, nested relations), list items (7.5) and delete.

        `args`/`framework_config` are objects in the create and detail examples and JSON text elsewhere.
        """
        status, run = self.status(task, now), task.run
        record, spec = task.record, task.package.spec
        container = task.container
        aihub_id = fields.integer(record, "aihub_id", required=False, default=0) or None
        seconds = run.seconds_run(now) if run is not None else None

        def maybe_text(value: Any) -> Any:
            return json.dumps(value, ensure_ascii=False) if json_text and value is not None else value

        if nested:
            aihub: Any = aihubs.view(aihub_id)
            maas: Any = self.container_view(container) if container else None
        elif str_related:
            aihub, maas = aihubs.name_of(aihub_id), container.name if container else None
        else:
            aihub, maas = aihub_id, container.id if container else None
        gpu_total = spec.gpu_count * task.workers
        output_dir = f"/mnt/workspace/maas/{task.type}/{container.id if container else 0}/{task.id}"
        row = {
            "id": task.id,
            "name": task.name,
            "label": fields.text(record, "label", required=False) or task.name,
            "maas_task_type": task.type,
            "project_id": task.project_id,
            "project": task.project_id,
            "images": record.get("images", ""),
            "command": record.get("command", ""),
            "billing_mode": record.get("billing_mode", ""),
            "bill_gui": record.get("bill_gui", ""),
            "spec_type": record.get("spec_type", "compute"),
            "storage_type": record.get("storage_type"),
            "node_selector": "train=true,gpu=true" if spec.gpu_count else "train=true,cpu=true",
            "workers": task.workers,
            "retry": 0,
            "timeout": 0,
            "resource_id": task.package.resource_id,
            "resource_cpu": str(spec.cpu * task.workers),
            "resource_gpu": f"{gpu_total}({spec.gpu_model})" if gpu_total else "0",
            "resource_memory": f"{spec.memory_gb * task.workers}G",
            "volume_mount": "kubeflow-user-workspace(pvc):/mnt",
            "output_dir": output_dir if task.runs else "",
            "expand": json.dumps(task.expand, ensure_ascii=False) if task.expand else "",
            "framework": record.get("framework", "deepspeed"),
            "framework_config": maybe_text(task.framework_config),
            "framework_template": record.get("framework_template", ""),
            "ft_type": record.get("ft_type", ""),
            "level": record.get("level", "L0"),
            "advanced_mode": record.get("advanced_mode", "close"),
            "args": maybe_text(task.args),
            "batch_size": 4,
            "epoch": float(task.args.get("EPOCH", 3)),
            "aihub_id": aihub_id,
            "aihub": aihub,
            "model_type": aihubs.model_type_of(aihub_id),
            "model_path": record.get("model_path") or "",
            "dataset_id": None,
            "dataset_ids": json.dumps(fields.int_list(record, "dataset_ids")) if "dataset_ids" in record else None,
            "dataset": "",
            "default_system": None,
            "exclusive": "",
            "maas": maas,
            "maas_id": container.id if container else None,
            "maas_task_parent": None,
            "maas_task_parent_id": record.get("maas_task_parent_id"),
            "lab_id": record.get("lab_id"),
            "status": status,
            "final_status": status or _UNKNOWN_FINAL_STATUS,
            "lock_status": 0,
            "percentage": "--",
            "elapsed_time": times.elapsed(seconds),
            "last_run_time": times.spaced(run.requested_at if run else None),
            "created_on": times.iso(task.created_at),
            "changed_on": times.iso_micro(self.changed_on(task, now)),
            "created_by": 4,
            "changed_by": 4,
            "creator_first_name": self._config.user_name.split("@")[0],
            "run_id": f"run-{container.id if container else 0}-{task.id}",
            "task_argo_id": f"{task.name}-{task.argo_suffix}",
            "is_deleted": "true" if task.deleted else "false",
            "monitoring": "{}",
            "outputs": "{}",
        }
        if nested:  # the 7.4 detail has none of the list's progress fields
            for name in _LIST_ONLY:
                del row[name]
        return row

    def _parse(
        self, kind: str, body: dict[str, Any], now: float, sold_out: Callable[[str], bool], task_id: int
    ) -> Task:
        if kind == "slm":
            fields.require(body, _SLM_FIELDS)
            if body["maas_task_type"] != "slm":
                raise invalid("maas_task_type must be slm")
            # The table says projectId, the examples send project_id too (and the response keeps projectId's).
            project_id = fields.integer(body, "projectId", "project_id")
            expand = fields.json_object(body, "expand")
            env = _train_envs(expand)
            args: dict[str, Any] = {}
            framework_config = None
            workers, container = 1, None
        else:
            fields.require(body, _LLM_FIELDS)
            project_id = fields.integer(body, "projectId", "project_id")
            container = self.container(kind, fields.integer(body, "maas"))
            if fields.text(body, "jobname") != container.name:
                raise invalid(f"jobname must be the name of task {container.id} ({container.name})")
            if fields.integer(body, "aihub_id") not in aihubs.MODELS:
                raise invalid(f"unknown aihub_id {body['aihub_id']}")
            fields.int_list(body, "dataset_ids")
            args = fields.json_object(body, "args")
            framework_config = fields.json_object(body, "framework_config")
            expand = {}
            env = {key: str(value) for key, value in args.items() if isinstance(value, str)}
            workers = fields.integer(body, "workers")
        name = fields.text(body, "name")
        if not NAME.match(name):
            raise invalid("name must be lower-case letters, digits and '-' (at most 63)")
        if workers < 1:
            raise invalid("workers must be at least 1")
        project_id = self._resources.project(project_id).id
        package = self._resources.usable(fields.text(body, "resourceId", "resource_id"), project_id, now)
        if not package.node.times(workers).fits_in(package.pool.capacity):
            raise AISpaceError(Code.INSUFFICIENT_RESOURCE, f"{package.resource_id} cannot run {workers} workers")
        if sold_out(package.resource_id) or sold_out(package.spec.code):
            raise AISpaceError(Code.INSUFFICIENT_RESOURCE, f"{package.spec.code} is sold out")
        try:
            steering = parse_steering(env, self._config.run_s)
        except SteeringError as exc:
            raise invalid(str(exc)) from None
        return Task(
            id=task_id,
            type=kind,
            name=name,
            project_id=project_id,
            package=package,
            workers=workers,
            container=container,
            record=dict(body),
            args=args,
            framework_config=framework_config,
            expand=expand,
            steering=steering,
            created_at=now,
            changed_at=now,
        )


def _train_envs(expand: dict[str, Any]) -> dict[str, str]:
    """`expand.trainWorkArgs.envs`: [{"key": ..., "value": ...}]."""
    envs = (expand.get("trainWorkArgs") or {}).get("envs") or []
    if not isinstance(envs, list) or not all(isinstance(e, dict) and "key" in e for e in envs):
        raise invalid("expand.trainWorkArgs.envs must be a list of {key, value}")
    return {str(e["key"]): str(e.get("value", "")) for e in envs}


Row = TypeVar("Row", "Container", "Task")


def _live(rows: dict[int, Row], kind: str, row_id: Any) -> Row:
    """The row `row_id` of type `kind` (a task container or a task), unless it was deleted: else 404."""
    row = rows.get(_id(row_id))
    if row is None or row.deleted or row.type != kind:
        raise not_found(f"{kind} task {row_id}")
    return row


def _all_live(rows: dict[int, Row], kind: str) -> list[Row]:
    return [row for row in rows.values() if row.type == kind and not row.deleted]


def _id(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        return -1


def _task_type(kind: str) -> None:
    if kind not in TASK_TYPES:
        raise invalid(f"task type must be one of {', '.join(TASK_TYPES)}")


def _container_type(kind: str) -> None:
    if kind not in CONTAINER_TYPES:
        raise invalid(f"task container type must be one of {', '.join(CONTAINER_TYPES)}")
