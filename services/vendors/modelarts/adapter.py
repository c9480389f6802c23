"""Huawei ModelArts adapter: training jobs (v2), notebooks and inference services (v1), authenticated
with an IAM token or AK/SK signatures (`SWITCHYARD_MODELARTS_AUTH=token|aksk`)."""

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, ClassVar, Literal
from urllib.parse import quote

import httpx

from contracts.job_metrics import MetricSeries
from contracts.jobs import JobKind
from services.vendors.base import ServiceAnswer, SubmitRequest, VendorAdapter, VendorFlavor, VendorJob
from services.vendors.errors import (
    InvalidRequest, LogsUnsupported, MetricsUnsupported, NotFound, VendorError, VendorUnavailable, WrongState,
    json_object, service_refusal,
)
from services.vendors.modelarts.auth import Query, make_auth
from services.vendors.modelarts.catalog import (
    is_billed_notebook_flavor,
    parse_notebook_flavor,
    parse_service_spec,
    parse_training_flavor,
)
from services.vendors.modelarts.errors import error_details, vendor_error
from services.vendors.modelarts.metrics import normalized_series
from services.vendors.modelarts.settings import VENDOR, ModelArtsSettings
from services.vendors.modelarts.status import ACTIVE_TRAINING_PHASES
from services.vendors.modelarts.wire import (
    task_line,
    from_ms,
    notebook_body,
    parse_notebook,
    parse_service,
    parse_training_job,
    service_body,
    training_body,
    training_job_id,
)
from services.vendors.paging import all_items
from services.common.http_transport import Http1Transport

log = logging.getLogger(__name__)

_DUPLICATE_TRAINING_NAME = "ModelArts.2751"
_DUPLICATE_SERVICE_NAME = "ModelArts.3503"
_NOT_TERMINABLE = "ModelArts.2796"
_DUPLICATE_IMAGE = "ModelArts.6737"
_SEARCH_PAGE_SIZE = 50  # training search: the documented maximum
_LIST_PAGE_SIZE = 100  # notebooks and services
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


class ModelArtsAdapter(VendorAdapter):
    vendor: ClassVar[str] = VENDOR
    can_list: ClassVar[bool] = True
    kinds: ClassVar[frozenset[str]] = frozenset({"training", "notebook", "inference"})

    def __init__(self, settings: ModelArtsSettings | None = None) -> None:
        self._settings = settings or ModelArtsSettings()
        self._client = httpx.AsyncClient(timeout=self._settings.timeout_s, transport=Http1Transport())
        self._auth = make_auth(self._settings, self._client)
        self._image_ids: dict[str, str] = {}  # SWR path -> notebook image id
        self._notebook_arch: dict[str, str] = {}  # notebook flavor id -> X86_64 | AARCH64

    # ---- the adapter interface

    async def list_flavors(self, kind: JobKind = "training") -> list[VendorFlavor]:
        self.check_kind(kind)
        if kind == "training":
            items = json_object(VENDOR, await self._call("GET", "v2", "/training-job-flavors")).get("flavors") or []
            return self._priced(items, "flavor_id", parse_training_flavor)
        if kind == "notebook":
            items = json_object(VENDOR, await self._call("GET", "v1", "/notebooks/flavors", query=[("type", "MANAGED")]))
            flavors = [item for item in items.get("data") or [] if is_billed_notebook_flavor(item)]
            self._notebook_arch.update({str(f.get("id")): str(f.get("arch") or "x86_64").upper() for f in flavors})
            return self._priced(flavors, "id", parse_notebook_flavor)
        query = [("infer_type", "real-time")]
        items = json_object(VENDOR, await self._call("GET", "v1", "/services/specifications", query=query))
        return self._priced(items.get("specifications") or [], "specification", parse_service_spec)

    async def submit(self, req: SubmitRequest) -> VendorJob:
        self.check_kind(req.kind)
        if req.kind == "training":
            return await self._submit_training(req)
        if req.kind == "notebook":
            return await self._submit_notebook(req)
        return await self._submit_service(req)

    async def find_by_name(self, name: str, kind: JobKind = "training") -> VendorJob | None:
        self.check_kind(kind)
        if kind == "training":
            items = await self._search([{"key": "name", "operator": "like", "value": [name]}])
            found = [parse_training_job(item) for item in items if (item.get("metadata") or {}).get("name") == name]
        elif kind == "notebook":
            # [DOC] notebook names may repeat; the newest live one with our deterministic name is ours.
            items = await self._notebooks([("name", name)])
            found = [job for job in map(parse_notebook, items)
                     if job.name == name and job.raw_status.upper() not in ("DELETING", "DELETED")]
        else:
            items = await self._services([("service_name", name)])
            found = [job for job in map(parse_service, items) if job.name == name]
        # `like` and `name` filters are fuzzy; only an exact name is ours.
        return max(found, key=lambda job: job.created_at.timestamp() if job.created_at else 0.0, default=None)

    async def get(self, vendor_job_id: str, kind: JobKind = "training") -> VendorJob:
        self.check_kind(kind)
        job_id = quote(vendor_job_id, safe="")
        if kind == "training":
            return parse_training_job(json_object(VENDOR, await self._call("GET", "v2", f"/training-jobs/{job_id}")))
        if kind == "notebook":
            return parse_notebook(json_object(VENDOR, await self._call("GET", "v1", f"/notebooks/{job_id}")))
        return parse_service(json_object(VENDOR, await self._call("GET", "v1", f"/services/{job_id}")))

    async def list_active(self) -> list[VendorJob]:
        """Every non-terminal training job, notebook and service of the account."""
        training, notebooks, services = await asyncio.gather(
            self._search([{"key": "phase", "operator": "in", "value": list(ACTIVE_TRAINING_PHASES)}]),
            self._notebooks([]),
            self._services([("infer_type", "real-time")]),
        )
        jobs = [
            *map(parse_training_job, training),
            *map(parse_notebook, notebooks),
            *map(parse_service, await self._with_addresses(services)),
        ]
        return [job for job in jobs if job.status is None or not job.status.is_terminal]

    async def _with_addresses(self, services: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The list leaves out `access_address` (detail only): a running service's detail is read for it (a
        failing read keeps the list item, without an address until the next look)."""

        async def detail(item: dict[str, Any]) -> dict[str, Any]:
            if item.get("access_address") or str(item.get("status") or "").lower() != "running":
                return item
            try:
                path = f"/services/{quote(str(item.get('service_id')), safe='')}"
                return json_object(VENDOR, await self._call("GET", "v1", path))
            except VendorError:
                return item

        return list(await asyncio.gather(*map(detail, services)))

    async def stop(self, vendor_job_id: str, kind: JobKind = "training") -> None:
        self.check_kind(kind)
        job_id = quote(vendor_job_id, safe="")
        if kind == "training":
            try:
                await self._call("POST", "v2", f"/training-jobs/{job_id}/actions", body={"action_type": "terminate"})
            except WrongState as exc:
                # 2796: the job is not Creating/Pending/Running, i.e. already stopping or ended.
                if exc.code != _NOT_TERMINABLE:
                    raise
        elif kind == "notebook":
            await self._unless_over(vendor_job_id, kind, self._call("POST", "v1", f"/notebooks/{job_id}/stop"))
        else:
            stop = self._call("PUT", "v1", f"/services/{job_id}", body={"status": "stopped"})
            await self._unless_over(vendor_job_id, kind, stop)

    async def delete(self, vendor_job_id: str, kind: JobKind = "training") -> None:
        """Remove the job from the vendor; deleting one that is gone is not an error.

        [DOC] A running notebook must be stopped first (WrongState ModelArts.6304 otherwise).
        """
        self.check_kind(kind)
        job_id = quote(vendor_job_id, safe="")
        paths = {"training": ("v2", f"/training-jobs/{job_id}"), "notebook": ("v1", f"/notebooks/{job_id}"),
                 "inference": ("v1", f"/services/{job_id}")}
        version, path = paths[kind]
        try:
            await self._call("DELETE", version, path)
        except NotFound:
            pass
        except WrongState:
            if (await self.get(vendor_job_id, kind)).raw_status.upper() not in ("DELETING", "DELETED"):
                raise  # refused for another reason than being deleted already

    async def logs(self, vendor_job_id: str, kind: JobKind = "training", tail_lines: int = 1000) -> list[str]:
        """A training job's log previews, one per task ([DOC] task ids come from `status.tasks`: `worker-0`,
        `worker-1`, ... on several nodes; a preview is the task's whole log, or its latest 5 MB), task after task,
        each line marked with its task; of `tail_lines`, each task gives its latest share. Notebooks and services
        document no output log (a service's `/logs` is its update history)."""
        self.check_kind(kind)
        if kind != "training":
            raise LogsUnsupported(VENDOR, f"ModelArts documents no log API for {kind} workloads")
        if tail_lines <= 0:
            return []
        job_id = quote(vendor_job_id, safe="")
        detail = json_object(VENDOR, await self._call("GET", "v2", f"/training-jobs/{job_id}"))
        tasks = [str(task) for task in (detail.get("status") or {}).get("tasks") or ["worker-0"]]
        share = -(-tail_lines // len(tasks))
        lines: list[str] = []
        for task in tasks:
            lines += [task_line(task, line) for line in (await self._task_log(job_id, task))[-share:]]
        return lines[-tail_lines:]

    async def _task_log(self, job_id: str, task: str) -> list[str]:
        response = await self._call("GET", "v2", f"/training-jobs/{job_id}/tasks/{quote(task, safe='')}/logs/preview")
        if response.status_code == 204:  # [DOC] ModelArts.2776 NotReadyToFetchLog: nothing written yet
            return []
        body = json_object(VENDOR, response)
        content = body.get("content", body.get("context")) or ""  # [DOC] renamed from `context` in 2022
        return str(content).splitlines()

    async def invoke(self, vendor_job_id: str, kind: JobKind, address: str, body: bytes, content_type: str,
                     timeout_s: float) -> ServiceAnswer:
        """[DOC] A real-time service answers at its `access_address`, an APIG domain rather than the API endpoint,
        whose API may take IAM auth (`auth_type` IAM). [INFER] IAM auth there is the account's IAM token or AK/SK
        signature, as the API takes (the simulator's inference.py holds the same)."""
        self.check_invocable(kind)
        target = httpx.URL(address)
        origin = f"{target.scheme}://{target.netloc.decode('ascii')}"
        response = await self._auth.send("POST", target.path, list(target.params.multi_items()), body, base=origin,
                                         content_type=content_type, timeout_s=timeout_s)
        if not response.is_success:
            raise service_refusal(VENDOR, response, *error_details(response))
        return ServiceAnswer(response.status_code, response.content,
                             response.headers.get("content-type", "application/octet-stream"))

    async def metrics(self, vendor_job_id: str, kind: JobKind = "training") -> list[MetricSeries]:
        """A training job's metrics of its first task ([DOC] task ids come from `status.tasks`), stamped from its
        `status.start_time` (`metrics.normalized_series`). Notebooks document no metrics; a service's `/monitor`
        is its call counts, not its resource use."""
        self.check_kind(kind)
        if kind != "training":
            raise MetricsUnsupported(VENDOR, f"ModelArts documents no job metrics for {kind} workloads")
        job_id = quote(vendor_job_id, safe="")
        detail = json_object(VENDOR, await self._call("GET", "v2", f"/training-jobs/{job_id}"))
        status = detail.get("status") or {}
        started_at = from_ms(status.get("start_time"))
        if started_at is None:
            return []  # not started: nothing measured
        task = quote(str((status.get("tasks") or ["worker-0"])[0]), safe="")
        response = await self._call("GET", "v2", f"/training-jobs/{job_id}/metrics/{task}")
        if response.status_code == 204:  # [DOC] ModelArts.2777 NotReadyToFetchMetric
            return []
        return normalized_series(json_object(VENDOR, response), started_at)

    async def aclose(self) -> None:
        await self._client.aclose()

    # ---- per kind

    async def _submit_training(self, req: SubmitRequest) -> VendorJob:
        try:
            response = await self._call("POST", "v2", "/training-jobs", body=training_body(req))
        except InvalidRequest as exc:
            # Names are unique per user and there is no client token: a duplicate name means an
            # earlier attempt (e.g. one that timed out) already created the job.
            existing = await self.find_by_name(req.name, "training") if exc.code == _DUPLICATE_TRAINING_NAME else None
            if existing is None:
                raise
            return existing
        return parse_training_job(json_object(VENDOR, response))

    async def _submit_notebook(self, req: SubmitRequest) -> VendorJob:
        # [DOC] notebook names are not unique and there is no client token: look before creating.
        existing = await self.find_by_name(req.name, "notebook")
        if existing is not None:
            return existing
        body = notebook_body(req, await self._image_id(req.image, req.flavor_id))
        return parse_notebook(json_object(VENDOR, await self._call("POST", "v1", "/notebooks", body=body)))

    async def _submit_service(self, req: SubmitRequest) -> VendorJob:
        body = service_body(req)
        try:
            created = json_object(VENDOR, await self._call("POST", "v1", "/services", body=body))
        except InvalidRequest as exc:
            # 3503: service names are unique, so an earlier attempt already deployed it.
            existing = await self.find_by_name(req.name, "inference") if exc.code == _DUPLICATE_SERVICE_NAME else None
            if existing is None:
                raise
            return existing
        service_id = created.get("service_id")
        if not service_id:
            raise VendorUnavailable(VENDOR, "deploy answered without a service_id")
        return await self.get(str(service_id), "inference")

    async def _unless_over(self, vendor_job_id: str, kind: JobKind, stop: Awaitable[Any]) -> None:
        """Run a stop; refused for the job's state, it is fine if the job is over or stopping already.

        A notebook still being created or started cannot be stopped ([DOC] 6306), only deleted:
        cancelling it deletes it.
        """
        try:
            await stop
            return
        except WrongState:
            job = await self.get(vendor_job_id, kind)
        if job.status is not None and job.status.is_terminal:
            return
        if job.raw_status.upper() == "STOPPING":  # notebooks spell it STOPPING, services stopping
            return
        if kind == "notebook" and job.raw_status.upper() in ("INIT", "CREATING", "STARTING"):
            await self._call("DELETE", "v1", f"/notebooks/{quote(vendor_job_id, safe='')}")
            return
        raise WrongState(VENDOR, f"cannot stop {kind} {vendor_job_id} while it is {job.raw_status}")

    async def _image_id(self, image: str, flavor_id: str) -> str:
        """The notebook image id for `image`: an id as given, else the SWR image, registered if new."""
        if _UUID.match(image):
            return image
        if image not in self._image_ids:
            found = await self._find_image(image)
            if found is None:
                body = {
                    "swr_path": image,
                    "arch": self._notebook_arch.get(flavor_id, "X86_64"),
                    "resource_category": ["CPU", "GPU", "ASCEND"],
                    "services": ["NOTEBOOK", "SSH"],
                    "visibility": "PRIVATE",
                    "workspace_id": "0",
                    "description": "registered by Switchyard",
                }
                try:
                    found = str(json_object(VENDOR, await self._call("POST", "v1", "/images", body=body))["id"])
                except InvalidRequest as exc:
                    found = await self._find_image(image) if exc.code == _DUPLICATE_IMAGE else None
                    if found is None:  # not a race with another registration
                        raise
            self._image_ids[image] = found
        return self._image_ids[image]

    async def _find_image(self, swr_path: str) -> str | None:
        name = swr_path.rsplit("/", 1)[-1].split(":", 1)[0]
        offset = 0
        while True:
            query = [("name", name), ("limit", "200"), ("offset", str(offset))]
            page = json_object(VENDOR, await self._call("GET", "v1", "/images", query=query))
            items = page.get("data") or []
            for item in items:
                if item.get("swr_path") == swr_path and item.get("id"):
                    return str(item["id"])
            offset += len(items)
            if not items or offset >= int(page.get("total") or 0):
                return None

    # ---- listings

    async def _search(self, filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Every training job matching `filters`, across all pages [DOC: the answer has `total`]."""
        async def fetch(page: int) -> tuple[list[dict[str, Any]], int | None]:
            body = await self._search_page(filters, page)
            return body.get("items") or [], body.get("total")
        return await all_items(fetch, _SEARCH_PAGE_SIZE, training_job_id)

    async def _search_page(self, filters: list[dict[str, Any]], page: int) -> dict[str, Any]:
        offset = page if self._settings.search_offset_mode == "page" else page * _SEARCH_PAGE_SIZE
        body = {"offset": offset, "limit": _SEARCH_PAGE_SIZE, "sort_by": "create_time", "order": "asc",
                "filters": filters}
        return json_object(VENDOR, await self._call("POST", "v2", "/training-job-searches", body=body))

    async def _notebooks(self, query: Query) -> list[dict[str, Any]]:
        """Every notebook matching `query`, oldest first; `offset` counts records [DOC]."""
        return await self._pages("/notebooks", query, "data", "id", lambda page: page * _LIST_PAGE_SIZE,
                                 [("sort_dir", "ASC")])

    async def _services(self, query: Query) -> list[dict[str, Any]]:
        """Every service matching `query`, most recently changed first; `offset` is a page index [DOC]."""
        return await self._pages("/services", query, "services", "service_id", lambda page: page,
                                 [("sort_by", "transition_at"), ("order", "desc")])

    async def _pages(self, path: str, query: Query, items_key: str, id_key: str, offset_of: Callable[[int], int],
                     order: Query) -> list[dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        page = 0
        while True:
            paged = [*query, *order, ("offset", str(offset_of(page))), ("limit", str(_LIST_PAGE_SIZE))]
            items = json_object(VENDOR, await self._call("GET", "v1", path, query=paged)).get(items_key) or []
            fresh = {str(item.get(id_key)): item for item in items if str(item.get(id_key)) not in found}
            found.update(fresh)
            if len(items) < _LIST_PAGE_SIZE or not fresh:
                return list(found.values())
            page += 1

    # ---- plumbing

    def _priced(self, items: list[dict[str, Any]], id_key: str,
                parse: Callable[[dict[str, Any], Decimal], VendorFlavor]) -> list[VendorFlavor]:
        flavors = []
        for item in items:
            price = self._settings.prices.get(str(item.get(id_key)))
            if price is None:
                log.warning("modelarts flavor %s skipped: no price in SWITCHYARD_MODELARTS_PRICES", item.get(id_key))
                continue
            flavors.append(parse(item, price))
        return flavors

    async def _call(self, method: str, version: Literal["v1", "v2"], path: str, *, query: Query = (),
                    body: Any = None) -> httpx.Response:
        """Call `/{version}/{project_id}{path}`; a non-2xx answer raises its typed error."""
        project_id = await self._auth.project_id()
        content = json.dumps(body).encode() if body is not None else None
        response = await self._auth.send(method, f"/{version}/{project_id}{path}", query, content)
        if response.is_success:
            return response
        raise vendor_error(response)
