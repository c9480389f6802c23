"""Inference services v1 (ch. 9): deploy, list, detail, start/stop/update through PUT, delete, events, specs.

A real-time service's deployment: `pending` ([INFER] creating_s) -> `waiting` while its specification has
no free slots for all its instances -> `deploying` (service_deploy_s, `progress` 0-100) ->
`running` | `failed` (a model whose `envs` hold SWITCHYARD_SIM_OUTCOME=failed). A stop (PUT
`status: stopped`, or the `schedule` auto-stop once it has run its time) goes `stopping`
(terminating_s) -> `stopped`; PUT `status: running` deploys it again. Delete: `deleting`
(terminating_s), then the service is gone (404 ModelArts.3502). `concerning` (some instances
abnormal) is set through `PUT /_sim/services/{id}/status`.

The simulator keeps no model registry: any `model_id` is accepted as a published model.

A running real-time service answers at its `access_address` ([DOC] `https://<apig-domain>/v1/infers/<id>`; here
`<public base URL>/v1/infers/<service id>`, services.vendorsim.public_url): [INFER] a call there or below it with an
IAM token or an AK/SK signature of the account, as every API call takes, is echoed as JSON beside the serving
model's name; one without is refused as the API refuses it (401 ModelArts.0201 without credentials, 0208 for a
signature that does not check); a service that is not running answers 503 (ModelArts.3520, a code of the
simulator's).
"""

import math
import re
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel

from services.vendorsim.faults import FaultInjector
from services.vendorsim.modelarts.config import ModelArtsSimConfig
from services.vendorsim.modelarts.errors import ModelArtsError, invalid, json_body
from services.vendorsim.modelarts.slots import Claim, Slots
from services.vendorsim.modelarts.wire import int_value, ms
from services.vendorsim.public_url import PublicUrl
from services.vendorsim.steering import Outcome, SteeringError, parse_steering

STATUSES = ("pending", "waiting", "deploying", "running", "concerning", "failed", "stopping", "stopped",
            "finished", "deleting")  # fmt: skip
_NAME_RE = re.compile(r"^[\w\u4e00-\u9fa5-]{1,64}$")
_FORBIDDEN_DESCRIPTION = set('!<>+&"')
_UNIT_S = {"MINUTES": 60, "HOURS": 3600, "DAYS": 86400}
_SORT_BY = ("publish_at", "service_name", "transition_at")
_STOPPABLE = ("pending", "waiting", "deploying", "running", "concerning")
_STARTABLE = ("stopped", "failed")
_BUSY = ("deploying", "stopping", "deleting")  # no config updates meanwhile


@dataclass(frozen=True)
class ServiceSpec:
    specification: str
    category: Literal["CPU", "GPU", "NPU"]
    arch: str
    cpu: float
    memory_gb: int
    display_en: str
    display_cn: str
    is_open: bool = True
    accel_brand: str = ""
    accel_version: str = ""
    accel_count: float = 0
    accel_memory: int = 0

    def to_response(self, sold_out: bool) -> dict[str, Any]:
        """Specification (表 9-43)."""
        gpu = self.category == "GPU"
        npu = self.category == "NPU"
        return {
            "specification": self.specification,
            "billing_spec": self.specification,
            "category": self.category,
            "cpu_info": {"arch": self.arch, "cpu": self.cpu},
            "memory_info": {"unit": "GB", "memory": self.memory_gb},
            "gpu_info": {"unit": "GB", "brand": self.accel_brand if gpu else "", "version": self.accel_version if gpu
                         else "", "gpu": self.accel_count if gpu else 0.0, "memory": self.accel_memory if gpu else 0},
            "npu_info": {"unit": "GB", "brand": self.accel_brand if npu else "", "version": self.accel_version if npu
                         else "", "npu": self.accel_count if npu else 0, "memory": self.accel_memory if npu else 0},
            "display_en": self.display_en,
            "display_cn": self.display_cn,
            "is_open": self.is_open,
            "spec_status": "sellout" if sold_out else "normal",
            "source_type": "",
            "is_free": False,
            "over_quota": False,
            "extend_params": 1,
        }


# The specifications the doc names (ch. 9.4/9.5); snt3 "needs an application" (is_open false).
SPECS: tuple[ServiceSpec, ...] = (
    ServiceSpec("modelarts.vm.cpu.2u", "CPU", "x86", 2.0, 8, "CPU: 2 vCPUs 8 GiB", "CPU: 2 核 8 GiB"),
    ServiceSpec("modelarts.vm.gpu.pnt004", "GPU", "x86", 8.0, 32, "CPU: 8 vCPUs | 32 GiB GPU: Pnt004",
                "CPU: 8 核 32 GiB GPU: Pnt004", True, "NVIDIA", "Pnt004", 1.0, 16),
    ServiceSpec("modelarts.vm.ai1.snt3", "NPU", "x86", 2.0, 8, "CPU: 2 vCPUs 8 GiB Ascend: 1 * Ascend Snt3",
                "CPU: 2 核 8 GiB Ascend: 1 * Ascend Snt3", False, "Ascend", "Snt3", 1, 8),
)


@dataclass(eq=False)
class _Deployment:
    """One deploy, start or config update, until it is stopped."""

    requested_at: float
    claims: list[Claim]
    ready_at: float
    fails: bool
    run_s: float  # how long it runs before the schedule stops it (inf: no schedule)
    rolling: bool  # a config update of a running service: straight to deploying
    stop_at: float | None = None
    health: list[tuple[float, str]] = field(default_factory=list)  # running <-> concerning

    @property
    def started_at(self) -> float | None:
        starts = [claim.start_at for claim in self.claims]
        return None if any(start is None for start in starts) else max(s for s in starts if s is not None)


@dataclass(eq=False)
class _Service:
    id: str
    name: str
    description: str
    config: list[dict[str, Any]]
    schedule: list[dict[str, Any]]
    workspace_id: str
    extras: dict[str, Any]  # additional_properties, load_balancer_policy, priority, ...
    resource_ids: list[str]
    published_at: float
    updated_at: float  # config in use since
    deployments: list[_Deployment] = field(default_factory=list)
    delete_at: float | None = None


def _not_found(service_id: str) -> ModelArtsError:
    return ModelArtsError(404, "ModelArts.3502", f"Service {service_id} does not exist.")


def _not_updatable() -> ModelArtsError:
    return ModelArtsError(400, "ModelArts.3519",
                          "Services only in one of states in [deploying, running, stopping, deleting] can be updated.")


class InferenceServices:
    def __init__(self, config: ModelArtsSimConfig, slots: Slots, public_url: PublicUrl | None = None) -> None:
        self._config = config
        self._slots = slots
        self._public_url = public_url or PublicUrl(config.public_url)
        self._specs = {spec.specification: spec for spec in SPECS}
        self._services: dict[str, _Service] = {}
        self._owner = "u" + config.project_id[1:]

    # ---- specifications

    def specifications(self, query: dict[str, str], sold_out: set[str]) -> dict[str, Any]:
        if query.get("infer_type", "real-time") not in ("real-time", "batch", "edge"):
            raise invalid("infer_type must be real-time, batch or edge.")
        personal = query.get("is_personal_cluster", "false").lower() == "true"
        found = [] if personal else [spec.to_response(spec.specification in sold_out) for spec in SPECS]
        offset = int_value(query.get("offset", 0), "offset", minimum=0)
        limit = int_value(query.get("limit", 1000), "limit", minimum=1)
        page = found[offset : offset + limit]
        return {"total_count": len(found), "count": len(page), "specifications": page}

    # ---- commands

    def deploy(self, body: Any, now: float, sold_out: set[str]) -> _Service:
        self._slots.advance(now)
        if not isinstance(body, dict):
            raise invalid("the body must be an object.")
        for required in ("service_name", "infer_type", "config"):
            if body.get(required) in (None, "", []):
                raise ModelArtsError(400, "ModelArts.3610", f"Parameter {required} cannot be empty.")
        name = body["service_name"]
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise invalid("service_name must be 1-64 letters, Chinese characters, digits, '-' or '_'.")
        if body["infer_type"] != "real-time":
            if body["infer_type"] in ("batch", "edge"):
                raise ModelArtsError(400, "ModelArts.3518",
                                     f"The {body['infer_type']} service has not been enabled or authorized.")
            raise invalid("infer_type must be real-time, batch or edge.")
        description = _description(body.get("description", ""))
        config = self._configs(body["config"], sold_out)
        schedule = _schedule(body.get("schedule"))
        if any(s.name == name and s.delete_at is None for s in self._services.values()):
            raise ModelArtsError(409, "ModelArts.3503", f"Service {name} already exists.")
        service = _Service(
            id=str(uuid.uuid4()),
            name=name,
            description=description,
            config=config,
            schedule=schedule,
            workspace_id=str(body.get("workspace_id") or "0"),
            extras={key: body[key] for key in ("additional_properties", "load_balancer_policy", "priority",
                                               "cluster_id", "pool_name", "vpc_id") if key in body},
            resource_ids=[f"INF-{secrets.token_hex(8)}@{ms(now)}"],
            published_at=now,
            updated_at=now,
        )
        service.deployments.append(self._deployment(service, now, rolling=False))
        self._services[service.id] = service
        return service

    def get(self, service_id: str, now: float) -> _Service:
        self._slots.advance(now)
        service = self._services.get(service_id)
        if service is None or self._gone(service, now):
            raise _not_found(service_id)
        return service

    def invoke(self, service_id: str, path: str, body: Any, now: float) -> dict[str, Any]:
        """The answer of an authenticated call to a service's address: the request echoed with the model's name."""
        service = self.get(service_id, now)
        status = self.status(service, now)[0]
        if status not in ("running", "concerning"):
            raise ModelArtsError(503, "ModelArts.3520", f"The service is {status}, not running.")
        return {"model": _model_name(service.config[0]["model_id"]), "service": service.name, "path": path,
                "input": body}

    def update(self, service_id: str, body: Any, now: float, sold_out: set[str]) -> None:
        """PUT: [DOC] `status` (running | stopped) starts or stops; if present, `config` is ignored."""
        service = self.get(service_id, now)
        if not isinstance(body, dict):
            raise invalid("the body must be an object.")
        status = self.status(service, now)[0]
        wanted = body.get("status")
        if wanted == "stopped":
            if status not in _STOPPABLE:
                raise _not_updatable()
            deployment = service.deployments[-1]
            deployment.stop_at = now
            for claim in deployment.claims:
                self._slots.release(claim, now + self._config.terminating_s)
            return
        if wanted == "running":
            if status not in _STARTABLE:
                raise _not_updatable()
            service.deployments.append(self._deployment(service, now, rolling=False))
            return
        if wanted is not None:
            raise invalid("status must be running or stopped.")
        if status in _BUSY:
            raise _not_updatable()
        if "description" in body:
            service.description = _description(body["description"])
        if "schedule" in body:
            service.schedule = _schedule(body["schedule"])
        for key in ("additional_properties", "load_balancer_policy", "priority"):
            if key in body:
                service.extras[key] = body[key]
        if body.get("config"):
            service.config = self._configs(body["config"], sold_out)
            service.updated_at = now
            if status in ("running", "concerning"):  # a running service rolls onto the new config
                old = service.deployments[-1]
                old.stop_at = now
                for claim in old.claims:
                    self._slots.release(claim, now)
                service.deployments.append(self._deployment(service, now, rolling=True))

    def delete(self, service_ids: str, now: float) -> None:
        """DELETE: [DOC] several ids joined by commas delete several services."""
        self._slots.advance(now)
        services = []
        for service_id in (part.strip() for part in service_ids.split(",") if part.strip()):
            service = self._services.get(service_id)
            if service is None or self._gone(service, now):
                raise _not_found(service_id)
            services.append(service)
        for service in services:
            if service.delete_at is None:
                service.delete_at = now
                for claim in service.deployments[-1].claims:
                    self._slots.release(claim, now)

    def set_health(self, service_id: str, status: str, now: float) -> _Service:
        """Simulator control: some instances turn abnormal (`concerning`) or recover (`running`)."""
        service = self.get(service_id, now)
        current = self.status(service, now)[0]
        if status not in ("running", "concerning") or current not in ("running", "concerning"):
            raise ModelArtsError(409, "ModelArts.3519", f"{status} cannot follow {current}.")
        service.deployments[-1].health.append((now, status))
        return service

    # ---- status

    def _deployment(self, service: _Service, now: float, *, rolling: bool) -> _Deployment:
        config = self._config
        envs: dict[str, str] = {}
        for model in service.config:
            envs.update(model.get("envs") or {})
        try:
            fails = parse_steering(envs, 0.0).outcome is Outcome.FAILED
        except SteeringError as exc:
            raise invalid(str(exc)) from None
        run_s = math.inf
        for item in service.schedule:
            run_s = min(run_s, item["duration"] * _UNIT_S[item["time_unit"]] * config.lease_scale)
        ready_at = now if rolling else now + config.creating_s
        # Instances hold their slots while deploying, running and stopping.
        hold_s = config.service_deploy_s + (0 if fails else run_s + config.terminating_s)
        claims = [self._slots.claim(model["specification"], model["instance_count"], ready_at, hold_s=hold_s)
                  for model in service.config]
        return _Deployment(now, claims, ready_at, fails, run_s, rolling)

    def _timeline(self, service: _Service) -> list[tuple[float, str | None, str, str]]:
        """(time, new status or None, event_type, event_info), including what lies ahead."""
        config = self._config
        happened: list[tuple[float, str | None, str, str]] = []
        models = ", ".join(f"[{_model_name(m['model_id'])} 1.0.0]" for m in service.config)
        for index, deployment in enumerate(service.deployments):
            # A deployment replaced by a config update rolls over without stopping.
            replaced = index + 1 < len(service.deployments) and service.deployments[index + 1].rolling
            t0, started = deployment.requested_at, deployment.started_at
            steps: list[tuple[float, str | None, str, str]] = []
            if not deployment.rolling:
                steps.append((t0, "pending", "normal", "start to deploy service"))
            if started is None or started > deployment.ready_at:
                steps.append((deployment.ready_at, "waiting", "normal",
                              f"waiting for resources: no free instances of {_specs(service)}"))
            ends = deployment.stop_at if deployment.stop_at is not None else math.inf
            if started is not None:
                ready = started + config.service_deploy_s
                steps += [
                    (started, "deploying", "normal", f"building image for model {models}"),
                    (started, None, "normal", f"{models} prepare environment success"),
                    (started, None, "normal", f"{models} schedule resource success"),
                    (started + config.service_deploy_s / 2, None, "normal", f"{models} pulling model image"),
                    (started + config.service_deploy_s / 2, None, "normal", f"{models} pull image success"),
                    (started + config.service_deploy_s * 0.9, None, "normal", f"{models} starting model"),
                ]
                if deployment.fails:
                    steps.append((ready, "failed", "abnormal",
                                  f"{models} failed to start model: simulated failure (SWITCHYARD_SIM_OUTCOME=failed)"))
                else:
                    steps.append((ready, "running", "normal", "service is running"))
                    for at, health in deployment.health:
                        info = "some instances are abnormal" if health == "concerning" else "instances recovered"
                        steps.append((at, health, "abnormal" if health == "concerning" else "normal", info))
                    due = ready + deployment.run_s
                    if due < ends:
                        ends = due
                        steps = [step for step in steps if step[0] < due]
                        steps.append((due, "stopping", "normal", "start to stop service (scheduled auto-stop)"))
                        steps.append((due + config.terminating_s, "stopped", "normal", "service stopped"))
            if deployment.stop_at is not None and ends == deployment.stop_at:
                steps = [step for step in steps if step[0] < deployment.stop_at]
                if not replaced:
                    steps.append((deployment.stop_at, "stopping", "normal", "start to stop service"))
                    steps.append((deployment.stop_at + config.terminating_s, "stopped", "normal",
                                  "service stopped"))
            happened += steps
        if service.delete_at is not None:
            happened = [item for item in happened if item[0] < service.delete_at]
            happened.append((service.delete_at, "deleting", "normal", "start to delete service"))
        return sorted(happened, key=lambda item: item[0])

    def status(self, service: _Service, now: float) -> tuple[str, float]:
        """(status, transition_at) at `now`; call after `advance(now)`."""
        changes = [(at, status) for at, status, _, _ in self._timeline(service) if status and at <= now]
        if not changes:
            return "pending", service.published_at
        at, status = changes[-1]
        return status, at

    def _gone(self, service: _Service, now: float) -> bool:
        return service.delete_at is not None and now >= service.delete_at + self._config.terminating_s

    # ---- views

    def view(self, service: _Service, now: float, *, detail: bool = True) -> dict[str, Any]:
        """Service detail (ch. 9.6), or a ListServices item (表 9-18) when `detail` is False."""
        status, transition_at = self.status(service, now)
        deployment = service.deployments[-1]
        item: dict[str, Any] = {
            "service_id": service.id,
            "service_name": service.name,
            "description": service.description,
            "tenant": "d" + self._config.project_id[1:],
            "project": self._config.project_id,
            "owner": self._owner,
            "publish_at": ms(service.published_at),
            "infer_type": "real-time",
            "workspace_id": service.workspace_id,
            "status": status,
            "invocation_times": 0,
            "failed_times": 0,
            "is_shared": False,
            "shared_count": 0,
            "operation_time": ms(now),
            "transition_at": ms(transition_at),
            "is_free": False,
            "is_opened_sample_collection": "false",
        }
        if status == "deploying" and deployment.started_at is not None:
            done = (now - deployment.started_at) / self._config.service_deploy_s
            item["progress"] = max(0, min(99, int(done * 100)))
        elif status in ("running", "concerning"):
            item["progress"] = 100
        if service.schedule:
            item["schedule"] = service.schedule
            started = deployment.started_at
            if started is not None and deployment.run_s < math.inf and not deployment.fails:
                item["due_time"] = ms(started + self._config.service_deploy_s + deployment.run_s)
        if "additional_properties" in service.extras:
            item["additional_properties"] = service.extras["additional_properties"]
        if not detail:
            return item
        if status == "failed":
            item["error_msg"] = "Failed to start the model: simulated failure (SWITCHYARD_SIM_OUTCOME=failed)."
        ready = status in ("running", "concerning")
        item.update({
            "config": [
                {
                    **model,
                    "model_name": _model_name(model["model_id"]),
                    "model_version": "1.0.0",
                    "source_type": "",
                    "status": "ready" if ready else "notReady",
                    "scaling": False,
                    "support_debug": False,
                }
                for model in service.config
            ],
            "access_address": f"{self._public_url.value}/v1/infers/{service.id}",
            "update_time": ms(service.updated_at),
            **{key: value for key, value in service.extras.items() if key != "additional_properties"},
        })
        return item

    def listing(self, query: dict[str, str], now: float) -> dict[str, Any]:
        """GET /services: filters; `offset` is the start *page* [DOC]; 1000 per page by default."""
        self._slots.advance(now)
        offset = int_value(query.get("offset", 0), "offset", minimum=0)
        limit = int_value(query.get("limit", 1000), "limit", minimum=1)
        sort_by, order = query.get("sort_by", "publish_at"), query.get("order", "desc")
        if sort_by not in _SORT_BY or order not in ("asc", "desc"):
            raise invalid("sort_by must be publish_at, service_name or transition_at; order asc or desc.")
        status = query.get("status")
        if status is not None and status not in STATUSES:
            raise invalid(f"status {status!r} is not a service status.")
        found = []
        for service in self._services.values():
            if self._gone(service, now):
                continue
            item = self.view(service, now, detail=False)
            if (
                query.get("service_id") in (None, service.id)
                and (query.get("service_name") is None or query["service_name"] in service.name)
                and query.get("model_id") in (None, *(m["model_id"] for m in service.config))
                and query.get("workspace_id") in (None, service.workspace_id)
                and query.get("infer_type") in (None, "real-time")
                and status in (None, item["status"])
            ):
                found.append(item)
        found.sort(key=lambda item: item[sort_by], reverse=order == "desc")
        page = found[offset * limit : (offset + 1) * limit]
        return {"total_count": len(found), "count": len(page), "services": page}

    def events(self, service_id: str, query: dict[str, str], now: float) -> dict[str, Any]:
        """GET .../events (表 9-97): type, English substring, time window; `offset` is a page."""
        service = self.get(service_id, now)
        offset = int_value(query.get("offset", 0), "offset", minimum=0)
        limit = int_value(query.get("limit", 1000), "limit", minimum=1)
        order = query.get("order", "desc")
        event_type, info = query.get("event_type"), query.get("event_info")
        if order not in ("asc", "desc") or event_type not in (None, "normal", "abnormal"):
            raise invalid("order must be asc or desc; event_type normal or abnormal.")
        if query.get("sort_by", "occur_time") != "occur_time":
            raise invalid("sort_by must be occur_time.")
        start = int_value(query["start_time"], "start_time", minimum=0) if "start_time" in query else None
        end = int_value(query["end_time"], "end_time", minimum=0) if "end_time" in query else None
        events = [
            {"event_type": kind, "event_info": text, "occur_time": ms(at)}
            for at, _, kind, text in self._timeline(service)
            if at <= now
            and event_type in (None, kind)
            and (info is None or info in text)
            and (start is None or ms(at) >= start)
            and (end is None or ms(at) <= end)
        ]
        if order == "desc":
            events.reverse()
        page = events[offset * limit : (offset + 1) * limit]
        return {"service_name": service.name, "service_id": service.id, "total_count": len(events),
                "count": len(page), "events": page}

    # ---- request parsing

    def _configs(self, raw: Any, sold_out: set[str]) -> list[dict[str, Any]]:
        """ServiceConfig list (表 9-24): model, specification, instance count, weights summing to 100."""
        if not isinstance(raw, list) or not raw or any(not isinstance(item, dict) for item in raw):
            raise ModelArtsError(400, "ModelArts.3610", "Parameter config cannot be empty.")
        configs, weights = [], 0
        for item in raw:
            for required in ("model_id", "specification", "instance_count"):
                if item.get(required) in (None, ""):
                    raise ModelArtsError(400, "ModelArts.3610", f"Parameter {required} cannot be empty.")
            spec = self._specs.get(item["specification"])
            if spec is None:
                raise invalid(f"specification {item['specification']} is not supported"
                              + (" (custom needs a dedicated pool)." if item["specification"] == "custom" else "."))
            if not spec.is_open:
                raise ModelArtsError(403, "ModelArts.0108",
                                     f"You are not authorized to perform the (use {spec.specification}) operation.")
            if spec.specification in sold_out:
                raise ModelArtsError(400, "ModelArts.4992", "Resources sold out.")
            count = int_value(item["instance_count"], "instance_count", minimum=1, maximum=128)
            if count > self._slots.capacity:
                raise ModelArtsError(400, "ModelArts.3522", f"A maximum of {self._slots.capacity} real-time "
                                                            "service instances are allowed.")
            weight = int_value(item.get("weight", 100 if len(raw) == 1 else None), "weight", minimum=0, maximum=100)
            weights += weight
            envs = item.get("envs") or {}
            if not isinstance(envs, dict) or not all(isinstance(v, str) for v in envs.values()):
                raise invalid("envs must be a map of strings.")
            configs.append({"model_id": str(item["model_id"]), "specification": spec.specification,
                            "instance_count": count, "weight": weight, "envs": dict(envs),
                            "custom_spec": item.get("custom_spec") or {}})
        if weights != 100:
            raise invalid("the weights of a real-time service must add up to 100.")
        return configs


def _model_name(model_id: str) -> str:
    return f"model-{model_id[:8]}"


def _specs(service: _Service) -> str:
    return ", ".join(sorted({model["specification"] for model in service.config}))


def _description(raw: Any) -> str:
    if not isinstance(raw, str) or len(raw) > 100 or any(char in _FORBIDDEN_DESCRIPTION for char in raw):
        raise invalid('description must be at most 100 characters, without !<>+&".')
    return raw


def _schedule(raw: Any) -> list[dict[str, Any]]:
    """Schedule (表 9-23): only `type: stop`, after `duration` DAYS/HOURS/MINUTES of running."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise invalid("schedule must be a list.")
    parsed = []
    for item in raw:
        if not isinstance(item, dict) or item.get("type") != "stop" or item.get("time_unit") not in _UNIT_S:
            raise invalid("schedule items need type stop and time_unit DAYS, HOURS or MINUTES.")
        duration = int_value(item.get("duration"), "schedule.duration", minimum=1)
        parsed.append({"type": "stop", "time_unit": item["time_unit"], "duration": duration})
    return parsed


# --------------------------------------------------------------------------- routes


class HealthStatus(BaseModel):
    status: Literal["running", "concerning"]


def routes(services: InferenceServices, config: ModelArtsSimConfig, faults: FaultInjector) -> APIRouter:
    """The inference service paths, below `/v1/{project_id}`."""
    router = APIRouter()
    clock = config.clock

    def sold_out() -> set[str]:
        return set(faults.settings.sold_out)

    @router.post("/services")
    async def deploy(request: Request) -> dict[str, Any]:
        service = services.deploy(await json_body(request), clock(), sold_out())
        return {"service_id": service.id, "resource_ids": service.resource_ids}

    @router.get("/services")
    async def list_services(request: Request) -> dict[str, Any]:
        return services.listing(dict(request.query_params), clock())

    @router.get("/services/specifications")
    async def specifications(request: Request) -> dict[str, Any]:
        return services.specifications(dict(request.query_params), sold_out())

    @router.get("/services/{service_id}")
    async def get_service(service_id: str) -> dict[str, Any]:
        now = clock()
        return services.view(services.get(service_id, now), now)

    @router.put("/services/{service_id}")
    async def update_service(service_id: str, request: Request) -> dict[str, Any]:
        services.update(service_id, await json_body(request), clock(), sold_out())
        return {}

    @router.delete("/services/{service_id}")
    async def delete_services(service_id: str) -> dict[str, Any]:
        services.delete(service_id, clock())
        return {}

    @router.get("/services/{service_id}/events")
    async def service_events(service_id: str, request: Request) -> dict[str, Any]:
        return services.events(service_id, dict(request.query_params), clock())

    return router


def control_routes(services: InferenceServices, config: ModelArtsSimConfig) -> APIRouter:
    router = APIRouter(prefix="/_sim")

    @router.put("/services/{service_id}/status")
    async def set_status(service_id: str, wanted: HealthStatus) -> dict[str, Any]:
        """Simulator control: some instances turn abnormal (concerning) or recover (running)."""
        now = config.clock()
        return services.view(services.set_health(service_id, wanted.status, now), now)

    return router
