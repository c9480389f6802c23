"""CECSTACK AI Space adapter: training jobs, LLM fine-tuning, notebooks and online services, placed on the
account's resource packages.

Kinds: `training` is a training job (`slm`) or, with `SubmitRequest.task` pt/sft/dpo/rw/ppo, an LLM task; `notebook`
is a notebook (开发机); `inference` an online service (在线服务). The vendor job id names the table and the row:
"slm:88", "sft:90", "notebook:44", "service:169" (LLM tasks need their type in every path; notebooks, services and
tasks number their rows independently).

Flavors are the packages bound to our project space (see `catalog`). Every create is preceded by a look-up
by the job's unique name, since AI Space has no idempotency token and some creates return no id: a retried
submission finds what the first one created, and starts it if it never ran.

Job times: the document has no run start or end. A running task's start is the `changed_on` of its phase change to
Running (`last_run_time` is when its run was launched, Pending time on the vendor included, so it is only the start
of a task first seen ended, and a Terminated task first seen ended has none: `wire.task_started_at`), and its end
the `changed_on` of the row that turned terminal; a notebook
started at the `changed_on` of its last create/reset and stopped at that of the stop; a service runs from its
`deploy_time`. The watcher's observation times cover what is missing.

Not carried to the vendor: `max_runtime_s` (no create body has a timeout; the broker stops the job), a notebook's
command and `storage_gb` (storage is a package of its own), an LLM task's image and command (the platform runs its
own framework; the environment joins its hyperparameters). `packages()` reports each package's remaining paid amount;
every flavor with amount left is marked `prepaid_package` (its resource id), an exhausted one is sold out and unmarked.
"""

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx

from contracts.jobs import JobKind
from services.vendors.aispace import wire
from services.vendors.aispace.auth import sign
from services.vendors.aispace.catalog import ResourcePackage, parse_package, to_flavor
from services.vendors.aispace.errors import error_for
from services.vendors.aispace.settings import VENDOR, AISpaceSettings
from services.vendors.aispace.status import clean_status
from services.vendors.aispace.wire import ALPHA, LLM_TASKS, TRAINING_TABLES, V1, job_ref, parse_job_ref, task_path
from services.vendors.base import ServiceAnswer, SubmitRequest, VendorAdapter, VendorFlavor, VendorJob
from services.vendors.errors import (
    InvalidRequest, VendorUnavailable, WrongState, read_error, retry_after_seconds, service_refusal,
)
from services.common.http_transport import Http1Transport
from services.vendors.transport import send

_ALREADY_EXISTS = "ResourceAlreadyExists"
Finder = Callable[[], Awaitable[dict[str, Any] | None]]


class AISpaceAdapter(VendorAdapter):
    vendor: ClassVar[str] = VENDOR
    # No list can filter by status, so listing "active" jobs would read the account's whole history on every poll;
    # the watcher reads each tracked job instead.
    can_list: ClassVar[bool] = False
    kinds: ClassVar[frozenset[str]] = frozenset({"training", "notebook", "inference"})

    def __init__(self, settings: AISpaceSettings | None = None) -> None:
        self._settings = settings or AISpaceSettings()
        self._endpoint = httpx.URL(self._settings.endpoint.rstrip("/"))
        self._client = httpx.AsyncClient(timeout=self._settings.timeout_s, transport=Http1Transport(
            fallback=httpx.AsyncHTTPTransport(verify=self._settings.verify_tls)))
        self._project_name: str | None = None

    # ------------------------------------------------------------------ packages and flavors

    async def packages(self) -> list[ResourcePackage]:
        """Every compute package of the account (all pages), with its remaining paid amount."""
        found: list[ResourcePackage] = []
        page = 1
        while True:
            body = {"pageSize": self._settings.page_size, "pageNum": page, "specType": "compute"}
            data = await self._call("POST", f"{V1}/resource/list", body=body) or {}
            found.extend(parse_package(item) for item in data.get("list") or [])
            if page >= int(data.get("totalPage") or 0) or not data.get("list"):
                return found
            page += 1

    async def list_flavors(self, kind: JobKind = "training") -> list[VendorFlavor]:
        self.check_kind(kind)
        project = await self._project()
        now = datetime.now(UTC)
        return [
            to_flavor(package, kind)
            for package in await self.packages()
            if package.resource_type == "compute" and package.total_amount > 0 and package.usable(project, now)
        ]

    # ------------------------------------------------------------------ the job interface

    async def submit(self, req: SubmitRequest) -> VendorJob:
        self.check_kind(req.kind)
        if req.kind == "notebook":
            return await self._submit_notebook(req)
        if req.kind == "inference":
            return await self._submit_service(req)
        return await self._submit_task(req)

    async def find_by_name(self, name: str, kind: JobKind = "training") -> VendorJob | None:
        self.check_kind(kind)
        if kind == "notebook":
            item = await self._find(self._settings.notebook_read_path, name)
            return wire.notebook_job(item) if item else None
        if kind == "inference":
            item = await self._find(self._settings.service_read_path, name)
            return wire.service_job(item) if item else None
        for table in TRAINING_TABLES:
            item = await self._find(task_path(table), name)
            if item:
                return wire.task_job(table, item)
        return None

    async def get(self, vendor_job_id: str, kind: JobKind = "training") -> VendorJob:
        self.check_kind(kind)
        table, row = parse_job_ref(vendor_job_id, kind)
        if kind == "notebook":
            return wire.notebook_job(await self._call("GET", f"{self._settings.notebook_read_path}/{row}"))
        if kind == "inference":
            return wire.service_job(await self._call("GET", f"{self._settings.service_read_path}/{row}"))
        return wire.task_job(table, await self._call("GET", f"{task_path(table)}/{row}"))

    async def stop(self, vendor_job_id: str, kind: JobKind = "training") -> None:
        self.check_kind(kind)
        table, row = parse_job_ref(vendor_job_id, kind)
        try:
            if kind == "notebook":
                await self._call("GET", f"{V1}/resource/stopInstance", query={"instanceId": str(row)})
            elif kind == "inference":
                await self._call("GET", f"{ALPHA}/inferenceservice_modelview/clear/restful/{row}")
            else:
                await self._call("GET", f"{task_path(table)}/stop/{row}")
        except WrongState:
            pass  # already stopped or ended

    async def invoke(self, vendor_job_id: str, kind: JobKind, address: str, body: bytes, content_type: str,
                     timeout_s: float) -> ServiceAnswer:
        """[INFER] A service's address takes the API's AK/SK signature (serving.py of the simulator says why); the
        region header goes along as on every API call. The answer is the service's own, not an API envelope."""
        self.check_invocable(kind)
        target = httpx.URL(address)
        headers = {"Content-Type": content_type, "x-regionid": self._settings.region}
        url, headers = sign(self._settings.ak, self._settings.sk.get_secret_value(), "POST", target, target.path,
                            list(target.params.multi_items()), headers, body)
        response = await send(self._client, VENDOR, "POST", url, content=body, headers=headers, timeout=timeout_s)
        if not response.is_success:
            raise service_refusal(VENDOR, response, *read_error(response))
        return ServiceAnswer(response.status_code, response.content,
                             response.headers.get("content-type", "application/octet-stream"))

    async def aclose(self) -> None:
        await self._client.aclose()

    # ------------------------------------------------------------------ training jobs and LLM tasks

    async def _submit_task(self, req: SubmitRequest) -> VendorJob:
        table = req.task or "slm"
        if table not in TRAINING_TABLES:
            raise InvalidRequest(VENDOR, f"training task {table!r} is not one of {', '.join(LLM_TASKS)}")
        item = await self._find(task_path(table), req.name)
        if item is None:
            if table == "slm":
                body = wire.training_job(req, self._settings)
                path = f"{task_path(table)}/"  # 11.2 has the trailing slash, 7.2 not
            else:
                container_id = await self._container(table, req.name)
                body = wire.llm_task(req, container_id, req.name, self._settings)
                path = task_path(table)
            item = await self._create(path, body, lambda: self._find(task_path(table), req.name))
        if clean_status(item.get("status")) == "":  # created and never run: create does not start it
            await self._call("GET", f"{task_path(table)}/maas_run/{item['id']}")
        return await self.get(job_ref(table, item["id"]), "training")

    async def _container(self, table: str, name: str) -> int:
        """The LLM task container of this job: found by name, or created."""
        path = self._settings.container_list_path.format(task=table)
        item = await self._find(path, name)
        if item is None:
            create = f"{ALPHA}/maas_modelview/{table}/api"
            item = await self._create(
                create, wire.task_container(name, self._settings), lambda: self._find(path, name)
            )
        return int(item["id"])

    # ------------------------------------------------------------------ notebooks

    async def _submit_notebook(self, req: SubmitRequest) -> VendorJob:
        path = self._settings.notebook_read_path
        item = await self._find(path, req.name)
        if item is None:
            package = await self._package(req.flavor_id)
            body = wire.notebook(req, package, self._settings)
            item = await self._create(f"{V1}/notebook_modelview", body, lambda: self._find(path, req.name))
        return await self.get(job_ref("notebook", item["id"]), "notebook")

    async def _package(self, resource_id: str) -> ResourcePackage:
        return parse_package(await self._call("GET", f"{V1}/resource/detail/{resource_id}"))

    # ------------------------------------------------------------------ online services

    async def _submit_service(self, req: SubmitRequest) -> VendorJob:
        path = self._settings.service_read_path

        def find() -> Awaitable[dict[str, Any] | None]:
            return self._find(path, req.name)

        item = await find()
        if item is None:
            # 3.2 answers `data: {}`: the new service is found again by its unique name.
            created = await self._create(
                f"{V1}/inferenceservice_modelview/api/", wire.service(req, self._settings), find
            )
            item = created if created and "id" in created else await find()
            if item is None:
                raise VendorUnavailable(VENDOR, f"service {req.name} was created but cannot be found")
        if not wire.service_deployed(item):
            await self._call(
                "PUT",
                f"{V1}/inferenceservice_modelview/api/{item['id']}",
                body=wire.service_edit(req, self._settings),
            )
            await self._call("GET", f"{ALPHA}/inferenceservice_modelview/deploy/prod/restful/{item['id']}")
        return await self.get(job_ref("service", item["id"]), "inference")

    # ------------------------------------------------------------------ plumbing

    async def _create(self, path: str, body: dict[str, Any], find: Finder) -> dict[str, Any]:
        """POST a create; a name already taken means an earlier attempt created it: return that one."""
        try:
            return await self._call("POST", path, body=body) or {}
        except InvalidRequest as exc:
            if exc.code != _ALREADY_EXISTS:
                raise
            existing = await find()
            if existing is None:
                raise
            return existing

    async def _find(self, path: str, name: str) -> dict[str, Any] | None:
        """The row named `name` in a Cube Studio list (`form_data`, pages from 0)."""
        page = 0
        while True:
            form = {
                "page": page,
                "page_size": self._settings.page_size,
                "str_related": 1,
                "filters": [{"col": "name", "opr": "eq", "value": name}],
            }
            result = await self._call("GET", path, query={"form_data": json.dumps(form, separators=(",", ":"))}) or {}
            rows = result.get("data") or []
            for row in rows:
                if row.get("name") == name:
                    return row
            if (page + 1) * self._settings.page_size >= int(result.get("count") or 0) or not rows:
                return None
            page += 1

    async def _project(self) -> str:
        """The name of our project space (packages name the project they are bound to)."""
        if self._project_name is None:
            form = {
                "filters": [{"col": "id", "opr": "eq", "value": self._settings.project_id}],
                "str_relate": 1,
                "page": 0,
                "page_size": 10,
            }
            data = await self._call("GET", f"{V1}/project/page", query={"form_data": json.dumps(form)}) or {}
            for row in data.get("data") or []:
                if str(row.get("id")) == str(self._settings.project_id):
                    self._project_name = str(row.get("name"))
                    break
            else:
                raise InvalidRequest(VENDOR, f"project space {self._settings.project_id} does not exist")
        return self._project_name

    async def _call(self, method: str, path: str, *, query: dict[str, str] | None = None, body: Any = None) -> Any:
        """Sign and send one request; the unwrapped payload, or the typed error."""
        settings = self._settings
        # [DOC] x-regionid on every call, and requestInfo (the region again) as many paths require it.
        params = [("requestInfo", settings.region), *(query or {}).items()]
        content = b"" if body is None else wire.dumps(body)
        headers = {"Content-Type": "application/json", "x-regionid": settings.region}
        url, headers = sign(
            settings.ak, settings.sk.get_secret_value(), method, self._endpoint, path, params, headers, content
        )
        response = await send(self._client, VENDOR, method, url, content=content, headers=headers)
        try:
            answer = response.json()
        except ValueError:
            if response.is_success:
                raise VendorUnavailable(VENDOR, f"{method} {path}: not JSON: {response.text[:200]!r}") from None
            raise error_for(response.status_code, response.text, retry_after_seconds(response)) from None
        return wire.unwrap(response.status_code, answer, retry_after_seconds(response))
