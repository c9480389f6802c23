"""Qizhi distributed training jobs: create (strictly checked), detail and stop.

State is never advanced by a background task: every call first replays the scheduler up to "now"
from the jobs' timestamps, so what a client sees is deterministic and never moves backwards.

Lifecycle ([EXT] status words, [INFER] transitions, as the digest proposes):
job_queuing (at least queue_s; longer while the spec has no free instances, first come first
served per spec; `sub_msg` says why) -> job_creating (creating_s, from timeline.resource_prepared)
-> job_running (from timeline.run; the steered run time, cut short by max_running_time_ms) ->
job_succeeded | job_failed, or `timeout_status` when max_running_time_ms ran out. A job steered to
fail after 0 s of running never gets to run: job_creating -> job_create_failed. /stop takes any
job that has not ended to job_stopped at once. A job holds its instances from resource_prepared
until it ends, plus reserve_on_success_ms / reserve_on_fail_ms.
"""

import bisect
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.vendorsim.qizhi.catalog import LOGIC_COMPUTE_GROUPS, SPECS, SimSpec
from services.vendorsim.qizhi.config import QizhiSimConfig
from services.vendorsim.qizhi.errors import PARAMETER_ERROR, QizhiError, invalid, record_not_found
from services.vendorsim.queueing import earliest_start
from services.vendorsim.steering import Outcome, SteeringError, parse_steering

TERMINAL = frozenset({"job_succeeded", "job_failed", "job_stopped", "job_create_failed"})
_REQUIRED = ("name", "project_id", "workspace_id", "logic_compute_group_id", "framework", "command")
_PRIORITIES = range(1, 11)  # [EXT] task_priority 1-10


@dataclass
class _Job:
    job_id: str
    seq: int
    request: dict[str, Any]  # the decoded JobOpenapi, echoed in every view
    spec: SimSpec
    instances: int
    run_s: float  # running time once it runs (steering, cut short by max_running_time_ms)
    outcome: Outcome
    create_fails: bool
    timed_out: bool
    reserve_on_success_s: float
    reserve_on_fail_s: float
    created_at: float
    ready_at: float  # earliest moment it may take instances
    start_at: float | None = None  # resources prepared
    end_at: float | None = None  # terminal from here on
    stopped: bool = False

    @property
    def name(self) -> str:
        return self.request["name"]


class TrainJobs:
    def __init__(self, config: QizhiSimConfig) -> None:
        self._config = config
        self._specs = {spec.spec_id: spec for spec in SPECS}
        self._groups = {group.lcg_id: group for group in LOGIC_COMPUTE_GROUPS}
        self._jobs: dict[str, _Job] = {}
        self._waiting: dict[str, list[_Job]] = {spec.spec_id: [] for spec in SPECS}  # FIFO per spec
        self._last_start: dict[str, float] = {spec.spec_id: 0.0 for spec in SPECS}
        # instances of every job of the spec that ever started: an upper bound of what is held at any time
        self._started_instances: dict[str, int] = {spec.spec_id: 0 for spec in SPECS}
        self._seq = 0

    # ---- requests

    def specs(self, request: dict[str, Any]) -> dict[str, Any]:
        lcg_id = request.get("logic_compute_group_id")
        if not lcg_id:
            raise invalid("logic_compute_group_id is required")
        if lcg_id not in self._groups:
            raise record_not_found()
        return {"specs": [spec.list_item() for spec in SPECS if spec.lcg.lcg_id == lcg_id]}

    def create(self, request: dict[str, Any], now: float, sold_out: Callable[[str], bool]) -> dict[str, Any]:
        self._advance(now)
        job = self._parse_create(request, now)
        if sold_out(job.spec.spec_id):
            raise QizhiError(
                self._config.sold_out_code, f"资源不足: 规格 {job.spec.name} ({job.spec.spec_id}) 已售罄 (sold out)"
            )
        self._seq += 1
        job.seq = self._seq
        self._jobs[job.job_id] = job
        self._waiting[job.spec.spec_id].append(job)
        self._advance(now)
        # "以下为详情数据": the timeline is detail-only.
        return self.view(job, now, detail=False)

    def detail(self, request: dict[str, Any], now: float) -> dict[str, Any]:
        self._advance(now)
        return self.view(self._job(request), now, detail=True)

    def stop(self, request: dict[str, Any], now: float) -> None:
        self._advance(now)
        job = self._job(request)
        if self.status(job, now) in TERMINAL:
            # [INFER] stopping an ended job is refused with a non-zero code (digest §9.14).
            raise QizhiError(PARAMETER_ERROR, "任务已结束，无法停止 (job already finished)")
        job.stopped = True
        if job.start_at is None:
            self._waiting[job.spec.spec_id].remove(job)
        job.end_at = now

    def seeded_pending(self, job_id: str, pending_s: float | None) -> float:
        """Bulk seeding only (`/_sim/seed`): give a job just created its own time in job_queuing;
        returns the moment it may take instances."""
        job = self._jobs[job_id]
        if pending_s is not None:
            job.ready_at = job.created_at + pending_s
        return job.ready_at

    def summary(self, now: float) -> list[dict[str, str]]:
        """Every job, for the simulator's own `/_sim/jobs` (not a vendor endpoint)."""
        self._advance(now)
        return [{"job_id": job.job_id, "name": job.name, "status": self.status(job, now)} for job in self._jobs.values()]

    def _job(self, request: dict[str, Any]) -> _Job:
        job_id = request.get("job_id")
        if not job_id:
            raise invalid("job_id is required")
        job = self._jobs.get(job_id)
        if job is None:
            raise record_not_found()
        return job

    # ---- scheduler

    def _advance(self, now: float) -> None:
        """Start, first come first served per spec, every waiting job whose instances came free by `now`."""
        creating_s = self._config.creating_s
        for spec_id, queue in self._waiting.items():
            while queue:
                job = queue[0]
                start = self._earliest_start(job, self._last_start[spec_id])
                if start > now:
                    break
                queue.pop(0)
                self._last_start[spec_id] = start
                job.start_at = start
                job.end_at = start + creating_s + (0.0 if job.create_fails else job.run_s)
                self._started_instances[spec_id] += job.instances

    def _earliest_start(self, job: _Job, last_start: float) -> float:
        # No job starts before the one ahead of it, so every started job took its instances before
        # `earliest`; only when they give them back matters.
        earliest = max(job.ready_at, last_start)
        if self._config.capacity - self._started_instances[job.spec.spec_id] >= job.instances:
            return earliest  # fits even if every job ever started still held its instances (no scan of all jobs)
        held = ((self._release_at(other), other.instances) for other in self._jobs.values()
                if other.spec is job.spec and other.start_at is not None)
        # finite: instance_count <= capacity is checked on create
        return earliest_start(earliest, job.instances, self._config.capacity, held)

    def _release_at(self, job: _Job) -> float:
        assert job.end_at is not None
        final = self._final_status(job)
        if final == "job_succeeded":
            return job.end_at + job.reserve_on_success_s
        if final in ("job_failed", "job_create_failed") and not job.timed_out:
            return job.end_at + job.reserve_on_fail_s
        return job.end_at

    def _in_use(self, spec: SimSpec, now: float) -> int:
        return sum(
            job.instances
            for job in self._jobs.values()
            if job.spec is spec and job.start_at is not None and job.start_at <= now < self._release_at(job)
        )

    # ---- views

    def status(self, job: _Job, now: float) -> str:
        if job.end_at is not None and now >= job.end_at:
            return self._final_status(job)
        if job.start_at is None:
            return "job_queuing"
        if now < job.start_at + self._config.creating_s:
            return "job_creating"
        return "job_running"

    def _final_status(self, job: _Job) -> str:
        if job.stopped:
            return "job_stopped"
        if job.create_fails:
            return "job_create_failed"
        if job.timed_out:
            return self._config.timeout_status
        return "job_failed" if job.outcome is Outcome.FAILED else "job_succeeded"

    def _sub_msg(self, job: _Job, status: str, now: float) -> str:
        """`sub_msg`: [DOC] the queueing reason; [INFER] also why a job ended badly."""
        if status == "job_queuing":
            # Held instances are at most those of every job ever started: only when that bound leaves too few
            # free is the exact count (a scan of every job) needed.
            if self._config.capacity - self._started_instances[job.spec.spec_id] < job.instances:
                free = self._config.capacity - self._in_use(job.spec, now)
                if free < job.instances:
                    return (
                        f"资源不足，排队中: 规格 {job.spec.name} 空闲 {free}/{self._config.capacity} 个实例，"
                        f"需要 {job.instances} 个"
                    )
            # The queue is in creation order (seq), so the jobs ahead are found by bisection, not by a scan.
            ahead = bisect.bisect_left(self._waiting[job.spec.spec_id], job.seq, key=lambda other: other.seq)
            return f"排队中: 同规格前面还有 {ahead} 个任务" if ahead else "排队中，等待调度"
        if status == "job_create_failed":
            return "创建失败: 镜像拉取失败 (simulated: SWITCHYARD_SIM_OUTCOME=failed, run 0 s)"
        if job.timed_out and status == self._config.timeout_status:
            return f"运行超过最大运行时间 {job.request.get('max_running_time_ms')} ms，已被平台停止"
        if status == "job_failed":
            return "exit code 1 (simulated: SWITCHYARD_SIM_OUTCOME=failed)"
        return ""

    def view(self, job: _Job, now: float, *, detail: bool) -> dict[str, Any]:
        """pkg_openapi_controller_train.Job. Times are ms-epoch strings; timeline keys appear once reached."""
        status = self.status(job, now)
        sub_msg = self._sub_msg(job, status, now)
        run_at = None if job.create_fails or job.start_at is None else job.start_at + self._config.creating_s

        def reached(moment: float | None) -> bool:
            return moment is not None and moment <= now and (job.end_at is None or moment <= job.end_at)

        timeline: dict[str, str] = {}
        for key, moment in (
            ("created", job.created_at + self._config.created_s),
            ("resource_prepared", job.start_at),
            ("run", run_at),
        ):
            if reached(moment):
                timeline[key] = _ms_text(moment)
        ended = job.end_at is not None and now >= job.end_at
        if ended:
            timeline["finished"] = _ms_text(job.end_at)
        running_ms = 0
        if run_at is not None and reached(run_at):
            # Difference of rounded instants, so run + running_time_ms is exactly the end in ms.
            running_ms = _ms(min(now, job.end_at if job.end_at is not None else now)) - _ms(run_at)
        nodes = []
        if reached(job.start_at):
            prefix = job.spec.gpu.product.lower()
            nodes = [{"node_name": f"{prefix}-{job.seq:04d}-{index}"} for index in range(job.instances)]

        request = job.request
        framework_config = request["framework_config"][0]
        user = self._config.username
        view: dict[str, Any] = {
            "job_id": job.job_id,
            "name": job.name,
            "status": status,
            "sub_status": 1 if status == "job_queuing" else 0,  # [INFER] the enum 0/1 has no documented meaning
            "sub_code": 0,
            "sub_msg": sub_msg,
            "created_at": _ms_text(job.created_at),
            "finished_at": _ms_text(job.end_at) if ended else "",
            "running_time_ms": str(running_ms),
            "node_count": job.instances,
            "node_infos": nodes,
            "queue_id": "q-01",
            "queue_name": "default",
            "priority": 1,
            "priority_level": 1,
            "priority_name": "normal",
            "task_priority": request["task_priority"],
            "project_id": request["project_id"],
            "project_name": "Switchyard 模拟项目",
            "project_en_name": "switchyard-sim",
            "workspace_id": request["workspace_id"],
            "logic_compute_group_id": job.spec.lcg.lcg_id,
            "logic_compute_group_name": job.spec.lcg.name,
            "framework": request["framework"],
            "command": request["command"],
            "config_mode": 0,
            "created_by": {
                "id": "user-5f0e6a2b-8c1d-4e3f-9a7b-1c2d3e4f5a6b",
                "name": user,
                "name_en": user,
                "email": f"{user}@sii.edu.cn",
                "global_role": 0,
                "avatar_url": "",
                "created_at": "1700000000000",
                "extra_info": {"institution_id": "sii", "login_name": user},
            },
            "framework_config": [
                {
                    "cpu": job.spec.cpu,
                    "gpu_count": job.spec.gpu_count,
                    "mem_gi": job.spec.mem_gi,
                    "shm_gi": framework_config.get("shm_gi", 0),
                    "instance_count": job.instances,
                    "image": framework_config["image"],
                    "image_type": framework_config.get("image_type", ""),
                    "predef_id": job.spec.spec_id,
                    "replicas_type": 0,
                    "instance_spec_price_info": job.spec.price_info(),
                    "resource_spec_price": job.spec.spec_price(),
                }
            ],
            "auto_fault_tolerance": request.get("auto_fault_tolerance", False),
            "fault_tolerance_max_retry": 0,
            "fault_tolerance_retry_interval_sec": 0,
            "current_running_round": 1,
            "enable_notification": request.get("enable_notification", False),
            "enable_troubleshoot": request.get("enable_troubleshoot", False),
            "envs": request.get("envs", []),
            "dataset_info": request.get("dataset_info", []),
            "tb_summary_path": request.get("tb_summary_path", ""),
            "max_running_time_ms": request.get("max_running_time_ms", "0"),
            "reserve_on_fail_ms": request.get("reserve_on_fail_ms", "0"),
            "reserve_on_success_ms": request.get("reserve_on_success_ms", "0"),
            "mounts": [],
        }
        if detail:
            view["timeline"] = timeline
        return view

    # ---- create request

    def _parse_create(self, request: dict[str, Any], now: float) -> _Job:
        for key in _REQUIRED:
            if not request.get(key):
                raise invalid(f"{key} is required")
        if request["project_id"] != self._config.project_id or request["workspace_id"] != self._config.workspace_id:
            raise record_not_found()
        group = self._groups.get(request["logic_compute_group_id"])
        if group is None:
            raise record_not_found()
        configs = request.get("framework_config") or []
        if len(configs) != 1:
            raise invalid("framework_config must have exactly one element")
        framework_config = configs[0]
        spec_id = framework_config.get("spec_id")
        if not spec_id:
            raise invalid("framework_config.spec_id is required")
        spec = self._specs.get(spec_id)
        if spec is None or spec.lcg != group:
            raise record_not_found()  # [EXT] a bad spec (quota) id reads "record not found"
        if not framework_config.get("image"):
            raise invalid("framework_config.image is required")
        instances = framework_config.get("instance_count", 0)
        if not 1 <= instances <= self._config.capacity:
            raise invalid(f"framework_config.instance_count must be between 1 and {self._config.capacity}")
        priority = request.get("task_priority", 0)
        if priority not in _PRIORITIES:
            raise invalid("task_priority must be between 1 and 10")
        if priority > self._config.max_task_priority:
            raise QizhiError(PARAMETER_ERROR, "priority_too_high")

        max_running_ms = _ms_field(request, "max_running_time_ms")  # [INFER] "0" or absent: no limit
        env = {}
        for item in request.get("envs", []):
            if not item.get("name"):
                raise invalid("envs[].name is required")
            env[item["name"]] = item.get("value", "")
        try:
            steering = parse_steering(env, self._config.run_s)
        except SteeringError as exc:
            raise invalid(str(exc)) from None
        run_s = steering.run_seconds
        timed_out = bool(max_running_ms) and run_s * 1000 > max_running_ms
        if timed_out:
            run_s = max_running_ms / 1000

        return _Job(
            job_id=f"job-{uuid.uuid4()}",
            seq=0,  # numbered when stored
            request=request,
            spec=spec,
            instances=instances,
            run_s=run_s,
            outcome=steering.outcome,
            create_fails=steering.outcome is Outcome.FAILED and steering.run_seconds == 0,
            timed_out=timed_out,
            reserve_on_success_s=_ms_field(request, "reserve_on_success_ms") / 1000,
            reserve_on_fail_s=_ms_field(request, "reserve_on_fail_ms") / 1000,
            created_at=now,
            ready_at=now + max(self._config.created_s, self._config.queue_s),
        )


def _ms(seconds: float) -> int:
    return int(round(seconds * 1000))


def _ms_text(seconds: float | None) -> str:
    return "" if seconds is None else str(_ms(seconds))


def _ms_field(request: dict[str, Any], key: str) -> int:
    """A millisecond count sent as a string ("360000000"); "" or absent is 0."""
    raw = request.get(key, "")
    if raw == "":
        return 0
    if not raw.isascii() or not raw.isdigit():
        raise invalid(f'{key} must be a string of digits, got "{raw}"')
    return int(raw)
