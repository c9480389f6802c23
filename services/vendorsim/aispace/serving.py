"""Online (inference) services (在线服务, section 3): create, edit, deploy to prod, debug, offline (clear), delete,
and the inferred status read.

A service holds its package (one node of the package's spec per replica) while it is deployed or being debugged.
Create returns no id [DOC]; clients find a service by its unique `service_name`.

[INFER] No status read is documented. Upstream Cube Studio's show/list (`GET /api/aidp/alpha/
inferenceservice_modelview/api/{id}`, `.../api/?form_data=`) report `model_status`: offline (the default, and after
clear), test (调试中, debugging), online (deployed to prod); plus `deploy_time` and `deploy_history`.

Where a service answers: [INFER] upstream's `host` column, whose address is `host` itself when it carries a scheme
(else `http://<service name>.<SERVICE_DOMAIN>`); the document's `eip` and `ports` say where it is bound, not how to
call it. The simulator's `host` is `<public base URL>/inference/<service name>` (`SERVICE_ADDRESS`). No invocation
is documented either: a POST to the address or below it, signed with the account's AK/SK as every API call is,
answers while the service is online or being debugged with the request's JSON echoed beside the model's name.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from services.vendorsim.aispace import fields, times
from services.vendorsim.aispace.capacity import Run
from services.vendorsim.aispace.config import AISpaceSimConfig
from services.vendorsim.aispace.notebooks import NAME
from services.vendorsim.aispace.resources import Package, Resources
from services.vendorsim.aispace.wire import AISpaceError, Code, invalid, not_found

_CREATE_FIELDS = (
    "project", "service_name", "label", "describe", "infer_backend", "specType", "resourceId", "vpc_id",
    "subnet_id", "eip_id", "min_replicas", "max_replicas", "hpa", "priority", "eip", "library_option",
    "service_type", "model_source", "model_id", "image_source", "quantization_bit",
)  # fmt: skip
_EDIT_FIELDS = (*_CREATE_FIELDS, "model_name", "model_path", "images", "command", "ports", "business_type")
_MAY_BE_EMPTY = ("describe", "vpc_id", "subnet_id", "eip_id", "eip", "hpa", "command", "model_path")
PROD_PATH = "/frontend/service/inferenceservice/inferenceservice_manager"
CLEAR_PATH = "/frontend/service/inferenceservice_manager"
SERVICE_ADDRESS = "/inference/{name}"
DEBUG_PREPARING = "调试任务资源准备中, 等待服务状态变为调试中, 再次点击调试按钮即可进入调试页面"

Mode = Literal["prod", "test"]


@dataclass
class Service:
    id: int
    name: str
    project_id: int
    package: Package
    record: dict[str, Any]
    created_at: float
    changed_at: float
    deploy_time: float  # upstream defaults it to the creation time
    host: str  # where it answers (see the module's docstring)
    deploy_history: list[str] = field(default_factory=list)
    run: Run | None = None
    mode: Mode = "prod"
    deleted: bool = False

    @property
    def replicas(self) -> int:
        return fields.integer(self.record, "min_replicas")


class Services:
    def __init__(self, config: AISpaceSimConfig, resources: Resources) -> None:
        self._config = config
        self._resources = resources
        self._items: dict[int, Service] = {}
        self._next_id = 169

    def create(self, body: Any, now: float, sold_out: Callable[[str], bool], base_url: str) -> None:
        body = fields.body_object(body)
        fields.require(body, _CREATE_FIELDS, _MAY_BE_EMPTY)
        name = fields.text(body, "service_name")
        if not NAME.match(name):
            raise invalid("service_name must be lower-case letters, digits and '-' (at most 63)")
        if any(service.name == name and not service.deleted for service in self._items.values()):
            raise AISpaceError(Code.ALREADY_EXISTS, f"service {name} already exists")
        project_id = self._resources.project(fields.integer(body, "project")).id
        package = self._package(body, project_id, now, sold_out)
        host = base_url.rstrip("/") + SERVICE_ADDRESS.format(name=name)
        service = Service(self._next_id, name, project_id, package, dict(body), now, now, now, host)
        self._next_id += 1
        self._items[service.id] = service

    def edit(self, service_id: Any, body: Any, now: float, sold_out: Callable[[str], bool]) -> Service:
        service = self.get(service_id)
        body = fields.body_object(body)
        fields.require(body, _EDIT_FIELDS, _MAY_BE_EMPTY)
        if fields.text(body, "service_name") != service.name:
            raise invalid("a service cannot be renamed")
        package = self._package(body, service.project_id, now, sold_out)
        if package is not service.package and self._active(service, now):
            raise AISpaceError(Code.INCORRECT_STATE, "take the service offline before moving it to another package")
        service.package = package
        service.record.update(body)
        service.changed_at = now
        return service

    def deploy_prod(self, service_id: Any, now: float) -> None:
        service = self.get(service_id)
        if self._active(service, now):
            service.mode = "prod"  # a debugged service goes to prod on the resources it holds
        else:
            service.run = self._hold(service, now, ready_at=now)
            service.mode = "prod"
        service.deploy_time = now
        service.deploy_history.append(f"{times.spaced(now)} prod")
        service.changed_at = now

    def debug(self, service_id: Any, now: float) -> tuple[str, str]:
        """(data, message): asynchronous [DOC] — the first call prepares, a call once 调试中 gives the page."""
        service = self.get(service_id)
        if self._active(service, now) and service.mode == "prod":
            raise AISpaceError(Code.INCORRECT_STATE, "the service is online; take it offline to debug it")
        if not self._active(service, now):
            service.run = self._hold(service, now, ready_at=now + self._config.debug_ready_s)
            service.mode = "test"
            service.changed_at = now
        if self.model_status(service, now) != "test":
            return "", DEBUG_PREPARING
        return f"http://{service.name}.debug.{self._config.region}.aispace.local/", "Success"

    def clear(self, service_id: Any, now: float) -> None:
        """下线: take the service offline and give its resources back."""
        service = self.get(service_id)
        if service.run is not None and service.run.stopped_at is None:
            service.package.pool.stop(service.run, now)
            service.changed_at = now

    def delete(self, service_id: Any, now: float) -> Service:
        service = self.get(service_id)
        self.clear(service.id, now)
        service.deleted = True
        return service

    def get(self, service_id: Any) -> Service:
        try:
            service = self._items.get(int(str(service_id)))
        except ValueError:
            service = None
        if service is None or service.deleted:
            raise not_found(f"service {service_id}")
        return service

    def invoke(self, name: str, path: str, body: Any, now: float) -> dict[str, Any]:
        """The answer of a (signed) call to a service's address: the request echoed with the model's name."""
        service = next((service for service in self.all() if service.name == name), None)
        if service is None:
            raise not_found(f"service {name}")
        status = self.model_status(service, now)
        if status not in ("online", "test"):
            raise AISpaceError(Code.SERVICE_UNAVAILABLE, f"service {name} is {status}")
        return {
            "model": str(service.record.get("model_name") or service.name),
            "service": service.name,
            "path": path,
            "input": body,
        }

    def all(self) -> list[Service]:
        return [service for service in self._items.values() if not service.deleted]

    def model_status(self, service: Service, now: float) -> str:
        if service.deleted:
            return "delete"
        if not self._active(service, now):
            return "offline"
        if service.mode == "prod":
            return "online"
        assert service.run is not None
        return "test" if service.run.holds_at(now) else "offline"

    def view(self, service: Service, now: float) -> dict[str, Any]:
        record, spec = service.record, service.package.spec
        replicas = service.replicas
        return {
            key: record.get(key, "")
            for key in (*_EDIT_FIELDS, "env", "library_config", "placeholder")
            if key not in ("project", "resourceId")
        } | {
            "id": service.id,
            "name": service.name,
            "service_name": service.name,
            "project": service.project_id,
            "resourceId": service.package.resource_id,
            "resource_cpu": str(spec.cpu * replicas),
            "resource_gpu": f"{spec.gpu_count * replicas}({spec.gpu_model})" if spec.gpu_count else "0",
            "resource_memory": f"{spec.memory_gb * replicas}G",
            "model_status": self.model_status(service, now),
            "host": service.host,
            "deploy_time": times.spaced(service.deploy_time),
            "deploy_history": "\n".join(service.deploy_history),
            "created_on": times.iso(service.created_at),
            "changed_on": times.iso_micro(service.changed_at),
            "created_by": 4,
            "changed_by": 4,
        }

    def _active(self, service: Service, now: float) -> bool:
        return service.run is not None and (service.run.stopped_at is None or service.run.stopped_at > now)

    def _package(self, body: dict[str, Any], project_id: int, now: float, sold_out: Callable[[str], bool]) -> Package:
        package = self._resources.usable(fields.text(body, "resourceId"), project_id, now)
        replicas = fields.integer(body, "min_replicas")
        if replicas < 1 or fields.integer(body, "max_replicas") < replicas:
            raise invalid("need 1 <= min_replicas <= max_replicas")
        if sold_out(package.resource_id) or sold_out(package.spec.code):
            raise AISpaceError(Code.INSUFFICIENT_RESOURCE, f"{package.spec.code} is sold out")
        return package

    def _hold(self, service: Service, now: float, ready_at: float) -> Run:
        """Take one node of the package per replica now; a service does not queue for resources."""
        package = self._resources.usable(service.package.resource_id, service.project_id, now)
        demand = package.node.times(service.replicas)
        if package.pool.has_waiting() or not demand.fits_in(package.pool.free(now)):
            raise AISpaceError(Code.INSUFFICIENT_RESOURCE, f"{package.resource_id} has no room for the service now")
        run = Run(demand, nodes=service.replicas, requested_at=now, ready_at=ready_at, run_s=None)
        package.pool.enqueue(run)
        package.pool.advance(now)
        return run
