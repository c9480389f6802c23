"""Notebooks / dev machines (开发机, section 2): create, edit, stop, reset, delete, and the inferred status read.

[INFER] The document gives no way to read a notebook. Upstream Cube Studio's show/list
(`GET /api/aidp/alpha/notebook_modelview/api/{id}` and `.../api/?form_data=`) report `status`, the pod phase
(Pending, Running); a stopped notebook has no pod, which upstream shows as "unknown" and the simulator as "Stopped"
so that a watcher can follow it. `changed_on` moves on every write (create, edit, reset, stop).

Where a notebook answers: [DOC] the server fills `expand.ingress_domain` (the example's is a cluster-internal
domain). [INFER] The simulator's is the host of its public base URL (the whole URL when that is not plain http),
and the page is where upstream Cube Studio opens a notebook, `http://<domain>/notebook/<namespace>/<name>/lab`
(`NOTEBOOK_PAGE`): a small HTML page naming the notebook while it runs.
"""

import html
import json
import re
from collections.abc import Callable
from urllib.parse import urlsplit
from dataclasses import dataclass
from typing import Any

from services.vendorsim.aispace import fields, times
from services.vendorsim.aispace.capacity import Demand, Run
from services.vendorsim.aispace.config import AISpaceSimConfig
from services.vendorsim.aispace.resources import Package, Resources
from services.vendorsim.aispace.wire import AISpaceError, Code, invalid, not_found

NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")  # they become pod names
_CREATE_FIELDS = (
    "project", "name", "describe", "imageType", "imageGpuType", "images", "specType", "resourceId",
    "resource_memory", "resource_cpu", "resource_gpu", "expand",
)  # fmt: skip
_EDIT_FIELDS = tuple(name for name in _CREATE_FIELDS if name != "project")
RESET_PATH = "/frontend/dev/dev_online/notebook"
NAMESPACE = "jupyter"
NOTEBOOK_PAGE = "/notebook/{namespace}/{name}/lab"


@dataclass
class Notebook:
    id: int
    name: str
    project_id: int
    package: Package
    demand: Demand
    record: dict[str, Any]  # what the client sent (describe, images, vpc ids, ...)
    expand: dict[str, Any]
    created_at: float
    changed_at: float
    run: Run
    deleted: bool = False


class Notebooks:
    def __init__(self, config: AISpaceSimConfig, resources: Resources) -> None:
        self._config = config
        self._resources = resources
        self._items: dict[int, Notebook] = {}
        self._next_id = 44

    def create(self, body: Any, now: float, sold_out: Callable[[str], bool], base_url: str) -> Notebook:
        body = fields.body_object(body)
        fields.require(body, _CREATE_FIELDS)
        if not isinstance(body.get("vpcEnabled"), bool):
            raise invalid("vpcEnabled (boolean) is required")
        name = fields.text(body, "name")
        if not NAME.match(name):
            raise invalid("name must be lower-case letters, digits and '-' (at most 63)")
        if any(nb.name == name and not nb.deleted for nb in self._items.values()):
            raise AISpaceError(Code.ALREADY_EXISTS, f"notebook {name} already exists")
        project_id = self._resources.project(fields.integer(body, "project")).id
        package, demand = self._placement(body, project_id, now, sold_out)
        expand = fields.json_object(body, "expand")
        notebook = Notebook(
            id=self._next_id,
            name=name,
            project_id=project_id,
            package=package,
            demand=demand,
            record=dict(body),
            expand=expand | self._server_expand(name, base_url),
            created_at=now,
            changed_at=now,
            run=self._start(package, demand, now),
        )
        self._next_id += 1
        self._items[notebook.id] = notebook
        return notebook

    def edit(
        self, notebook_id: Any, body: Any, now: float, sold_out: Callable[[str], bool], base_url: str
    ) -> Notebook:
        notebook = self.get(notebook_id)
        body = fields.body_object(body)
        fields.require(body, _EDIT_FIELDS)
        name = fields.text(body, "name")
        if name != notebook.name:
            raise invalid("a notebook cannot be renamed")
        package, demand = self._placement(body, notebook.project_id, now, sold_out)
        moved = package is not notebook.package or demand != notebook.demand
        moved = moved or fields.text(body, "images") != notebook.record.get("images")
        notebook.record.update(body)
        notebook.expand = fields.json_object(body, "expand") | self._server_expand(name, base_url)
        notebook.changed_at = now
        if moved and notebook.run.stopped_at is None:  # upstream restarts the pod on such an edit
            notebook.package.pool.stop(notebook.run, now)
            notebook.package, notebook.demand = package, demand
            notebook.run = self._start(package, demand, now)
        else:
            notebook.package, notebook.demand = package, demand
        return notebook

    def stop(self, notebook_id: Any, now: float) -> None:
        notebook = self.get(notebook_id)
        if notebook.run.stopped_at is None:
            notebook.package.pool.stop(notebook.run, now)
            notebook.changed_at = now

    def reset(self, notebook_id: Any, now: float) -> None:
        """Delete and re-create the pod: the documented way to bring a stopped notebook back."""
        notebook = self.get(notebook_id)
        self._resources.usable(notebook.package.resource_id, notebook.project_id, now)
        notebook.package.pool.stop(notebook.run, now)
        notebook.run = self._start(notebook.package, notebook.demand, now)
        notebook.changed_at = now

    def delete(self, notebook_id: Any, now: float) -> Notebook:
        notebook = self.get(notebook_id)
        notebook.package.pool.stop(notebook.run, now)
        notebook.deleted = True
        return notebook

    def get(self, notebook_id: Any) -> Notebook:
        try:
            notebook = self._items.get(int(str(notebook_id)))
        except ValueError:
            notebook = None
        if notebook is None or notebook.deleted:
            raise not_found(f"notebook {notebook_id}")
        return notebook

    def page(self, namespace: str, name: str, now: float) -> tuple[int, str]:
        """(HTTP status, HTML) of a notebook's page: 200 naming it while it runs, 503 while it starts or after
        its stop, 404 for a notebook the account does not have."""
        found = next((nb for nb in self.all() if nb.name == name), None) if namespace == NAMESPACE else None
        if found is None:
            return 404, _html("Not Found", f"No notebook {name} in {namespace}.")
        status = self.status(found, now)
        if status != "Running":
            return 503, _html(f"{found.name} is not running", f"Notebook {found.name} is {status}.")
        return 200, _html(
            f"{found.name} - JupyterLab",
            f"JupyterLab of notebook {found.name} (id {found.id}, image {found.record.get('images', '')}).",
        )

    def all(self) -> list[Notebook]:
        return [nb for nb in self._items.values() if not nb.deleted]

    def status(self, notebook: Notebook, now: float) -> str:
        run = notebook.run
        if run.stopped_at is not None and run.stopped_at <= now:
            return "Stopped"
        return "Running" if run.holds_at(now) else "Pending"

    def created_view(self, notebook: Notebook) -> dict[str, Any]:
        """The create/edit `result` of 2.2/2.3 (no status, no times)."""
        record = notebook.record
        return {
            "id": notebook.id,
            "name": notebook.name,
            "project": notebook.project_id,
            "describe": record.get("describe", ""),
            "images": record.get("images", ""),
            "resource_cpu": str(notebook.demand.cpu),
            "resource_gpu": str(record.get("resource_gpu")),
            "resource_memory": f"{notebook.demand.memory_gb}G",
            "vpc_id": "",
            "subnet_id": "",
            "eip_id": "",
            "working_dir": "",
            "volume_mount": "kubeflow-archives(pvc):/archives,kubeflow-user-workspace(pvc):/mnt",
            "expand": json.dumps(notebook.expand, ensure_ascii=False),
        }

    def view(self, notebook: Notebook, now: float) -> dict[str, Any]:
        """[INFER] The upstream show/list item: the create result plus status, resource and audit fields."""
        return self.created_view(notebook) | {
            "namespace": NAMESPACE,
            "ide_type": "jupyter",
            "node_selector": "cpu=true,notebook=true",
            "image_pull_policy": "Always",
            "resourceId": notebook.package.resource_id,
            "specType": notebook.record.get("specType", "compute"),
            "status": self.status(notebook, now),
            "created_on": times.iso(notebook.created_at),
            "changed_on": times.iso_micro(notebook.changed_at),
            "created_by": 4,
            "changed_by": 4,
        }

    def _placement(
        self, body: dict[str, Any], project_id: int, now: float, sold_out: Callable[[str], bool]
    ) -> tuple[Package, Demand]:
        package = self._resources.usable(fields.text(body, "resourceId"), project_id, now)
        count, model = fields.gpu(body["resource_gpu"])
        if count and model and model.upper() != package.spec.gpu_model.upper():
            raise invalid(f"resource_gpu {body['resource_gpu']} does not match {package.spec.gpu_text}")
        demand = Demand(fields.cpu(body["resource_cpu"]), count, fields.memory_gb(body["resource_memory"]))
        if not demand.fits_in(package.pool.capacity):
            raise AISpaceError(Code.INSUFFICIENT_RESOURCE, f"{package.resource_id} cannot hold {demand}")
        if sold_out(package.resource_id) or sold_out(package.spec.code):
            raise AISpaceError(Code.INSUFFICIENT_RESOURCE, f"{package.spec.code} is sold out")
        return package, demand

    def _start(self, package: Package, demand: Demand, now: float) -> Run:
        run = Run(demand, nodes=1, requested_at=now, ready_at=now + self._config.pending_s, run_s=None)
        package.pool.enqueue(run)
        package.pool.advance(now)
        return run

    def _server_expand(self, name: str, base_url: str) -> dict[str, Any]:
        """What the server fills into `expand` (the document's example keys)."""
        return {
            "ingress_domain": ingress_domain(base_url),
            "is_v5": "true",
            "port_num": "891",
            "portpool_id": "portPool-bbese0w1b69wrx5ywq",
            "public_csr_domain": f"cke-public-ccr.registry.{self._config.region}.aispace.local",
            "public_csr_internal_eip": "100.94.11.129",
            "user_name": self._config.user_name,
        }


def ingress_domain(base_url: str) -> str:
    """`expand.ingress_domain` for a public base URL: its host (and path) when it is plain http, which is how
    upstream opens it (`"http://" + domain`), else the whole URL."""
    parts = urlsplit(base_url.rstrip("/"))
    return f"{parts.netloc}{parts.path}" if parts.scheme == "http" else base_url.rstrip("/")


def _html(title: str, text: str) -> str:
    title, text = html.escape(title), html.escape(text)
    return f"<!doctype html><html><head><title>{title}</title></head><body><h1>{title}</h1><p>{text}</p></body></html>"
