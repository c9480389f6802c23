"""LLM evaluation tasks (评估任务, 7.9-7.14): save (create or edit), start, stop, delete, detail.

Save returns no id [DOC]. [INFER] An edit names its target with `id` (or `evaluationId`) in the body, and
`GET /api/aidp/alpha/maas_evaluation_modelview/api/?form_data=` lists evaluations (as the other ModelViews do),
which is how a client finds a new one by name. The status field is `state` [DOC] ("Stopped" in the example):
"" before the first start, then Pending -> Running -> Succeeded, or Stopped. An evaluation's own resources are
not drawn from the packages' capacity.
"""

from dataclasses import dataclass
from typing import Any

from services.vendorsim.aispace import aihub as aihubs
from services.vendorsim.aispace import fields
from services.vendorsim.aispace.capacity import Demand, Run
from services.vendorsim.aispace.config import AISpaceSimConfig
from services.vendorsim.aispace.resources import Resources
from services.vendorsim.aispace.wire import AISpaceError, Code, invalid, not_found

_FIELDS = (
    "name", "storage_type", "spec_type", "type", "datasetId", "datasetName", "aihub", "evalStandardConf",
    "projectId", "specCode", "specCPU", "specGpu", "specMemory", "task_specCPU", "task_specGpu", "task_specMemory",
    "task_specCode", "resource_id", "service_resource_id",
)  # fmt: skip


@dataclass
class Evaluation:
    id: int
    name: str
    project_id: int
    record: dict[str, Any]
    run: Run | None = None
    deleted: bool = False


class Evaluations:
    def __init__(self, config: AISpaceSimConfig, resources: Resources) -> None:
        self._config = config
        self._resources = resources
        self._items: dict[int, Evaluation] = {}
        self._next_id = 68

    def save(self, body: Any, now: float) -> None:
        body = fields.body_object(body)
        fields.require(body, _FIELDS)
        if not isinstance(body["evalStandardConf"], dict):
            raise invalid("evalStandardConf must be an object")
        if fields.integer(body, "aihub") not in aihubs.MODELS:
            raise invalid(f"unknown aihub {body['aihub']}")
        project_id = self._resources.project(fields.integer(body, "projectId")).id
        for key in ("resource_id", "service_resource_id"):
            self._resources.usable(body[key], project_id, now)
        name = fields.text(body, "name")
        target = fields.first(body, "id", "evaluationId", required=False)
        if target is None:
            if any(e.name == name and not e.deleted for e in self._items.values()):
                raise AISpaceError(Code.ALREADY_EXISTS, f"evaluation {name} already exists")
            self._items[self._next_id] = Evaluation(self._next_id, name, project_id, dict(body))
            self._next_id += 1
            return
        evaluation = self.get(target)
        if self._active(evaluation, now):
            raise AISpaceError(Code.INCORRECT_STATE, f"evaluation {evaluation.id} is running; stop it first")
        evaluation.name, evaluation.project_id, evaluation.record = name, project_id, dict(body)

    def start(self, body: Any, now: float) -> None:
        evaluation = self.get(fields.first(fields.body_object(body), "id"))
        if self._active(evaluation, now):
            raise AISpaceError(Code.INCORRECT_STATE, f"evaluation {evaluation.id} is already running")
        ready = now + self._config.pending_s
        # Not queued on a package: it starts when its Pending time is over.
        evaluation.run = Run(Demand(), 1, now, ready, self._config.run_s, start_at=ready)

    def stop(self, body: Any, now: float) -> None:
        evaluation = self.get(fields.first(fields.body_object(body), "id"))
        if self._active(evaluation, now):
            assert evaluation.run is not None
            evaluation.run.stopped_at = now

    def delete(self, body: Any) -> int:
        ids = fields.first(fields.body_object(body), "evalIds", "evalids")  # the table spells it evalids
        if not isinstance(ids, list) or not ids:
            raise invalid("evalIds must be a non-empty list")
        evaluations = [self.get(eval_id) for eval_id in ids]
        for evaluation in evaluations:
            evaluation.deleted = True
        return len(evaluations)

    def get(self, evaluation_id: Any) -> Evaluation:
        try:
            evaluation = self._items.get(int(str(evaluation_id)))
        except ValueError:
            evaluation = None
        if evaluation is None or evaluation.deleted:
            raise not_found(f"evaluation {evaluation_id}")
        return evaluation

    def all(self) -> list[Evaluation]:
        return [e for e in self._items.values() if not e.deleted]

    def state(self, evaluation: Evaluation, now: float) -> str:
        run = evaluation.run
        if run is None:
            return ""
        if self._active(evaluation, now):
            return "Running" if run.holds_at(now) else "Pending"
        return "Stopped" if run.was_stopped() else "Succeeded"

    def view(self, evaluation: Evaluation, now: float) -> dict[str, Any]:
        """The detail `result` of 7.14."""
        record = evaluation.record
        aihub_id = fields.integer(record, "aihub")
        return {
            "billing_mode": "",
            "datasetId": str(record["datasetId"]),
            "datasetName": record["datasetName"],
            "description": record.get("description", ""),
            "evalStandardConf": record["evalStandardConf"],
            "evaluationId": evaluation.id,
            "id": evaluation.id,
            "modelInfoConf": {
                "aihub_id": aihub_id,
                "maas_task_parent_id": record.get("maas_task_parent", ""),
                "model_name": aihubs.name_of(aihub_id),
                "model_path": record.get("model_path", ""),
                "model_select": "预置模型",
                "model_source": "",
                "model_state": "online",
                "model_type": record.get("model_type", ""),
            },
            "name": evaluation.name,
            "projectId": evaluation.project_id,
            "resource_id": record["resource_id"],
            "serverName": "",
            "service_resource_id": record["service_resource_id"],
            "specCPU": str(record["specCPU"]),
            "specCode": record["specCode"],
            "specGpu": str(record["specGpu"]),
            "specMemory": str(record["specMemory"]),
            "spec_type": record["spec_type"],
            "state": self.state(evaluation, now),
            "storage_type": str(record["storage_type"]),
            "task_specCPU": str(record["task_specCPU"]),
            "task_specCode": record["task_specCode"],
            "task_specGpu": str(record["task_specGpu"]),
            "task_specMemory": str(record["task_specMemory"]),
        }

    def _active(self, evaluation: Evaluation, now: float) -> bool:
        if evaluation.run is None:
            return False
        release = evaluation.run.released_at()
        return release is None or release > now
