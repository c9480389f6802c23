"""Cambricon CAIP adapter: batch training jobs through the Compute Server API, behind the
platform's Keystone-style login.

The document has the Compute Server's routes only; the login, the token headers and the gateway
prefix are [EXT] (public clients of the platform) and are settings. A Switchyard training job is
one `normal` batch training job with one sub-job of `node_count` workers on the chosen flavor.
"""

import logging
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from contracts.jobs import JobKind
from services.vendors.base import SubmitRequest, VendorAdapter, VendorFlavor, VendorJob
from services.vendors.caip.auth import login
from services.vendors.caip.catalog import parse_flavor
from services.vendors.caip.errors import vendor_error
from services.vendors.caip.settings import VENDOR, CaipSettings
from services.vendors.caip.status import ACTIVE_STATUSES, needs_stop
from services.vendors.caip.wire import item_id, job_body, parse_job
from services.vendors.errors import InvalidRequest, NotFound, VendorUnavailable, WrongState, json_object
from services.vendors.paging import all_items
from services.vendors.tokens import RenewingToken
from services.common.http_transport import Http1Transport
from services.vendors.transport import send

log = logging.getLogger(__name__)

Params = list[tuple[str, str]]


class CaipAdapter(VendorAdapter):
    vendor: ClassVar[str] = VENDOR
    can_list: ClassVar[bool] = True
    kinds: ClassVar[frozenset[str]] = frozenset({"training"})

    def __init__(self, settings: CaipSettings | None = None) -> None:
        self._settings = settings or CaipSettings()
        self._base = f"{self._settings.endpoint.rstrip('/')}{self._settings.api_prefix.rstrip('/')}/v2"
        self._jobs_path = f"/namespace/{quote(self._settings.namespace, safe='')}/batch-trainingjob"
        self._client = httpx.AsyncClient(timeout=self._settings.timeout_s, transport=Http1Transport())
        self._tokens = RenewingToken(lambda: login(self._client, self._settings), max_margin_s=600.0)

    async def list_flavors(self, kind: JobKind = "training") -> list[VendorFlavor]:
        self.check_kind(kind)
        params = [("namespace", "public"), ("namespace", self._settings.namespace), ("enabled", "true")]
        flavors = []
        for item in await self._list("/flavor", params, key="id"):
            flavor = parse_flavor(item, VENDOR, self._settings.cny_per_credit)
            if flavor is None:
                log.info("caip flavor %s skipped: a fraction of a card", item.get("name"))
                continue
            flavors.append(flavor)
        return flavors

    async def submit(self, req: SubmitRequest) -> VendorJob:
        self.check_kind(req.kind)
        if not req.command:
            raise InvalidRequest(VENDOR, "a training job needs a command")
        # No idempotency key exists; the name is the key. A retry finds the job an earlier
        # attempt created (e.g. one whose answer was lost).
        if self._settings.find_name_before_create:
            existing = await self.find_by_name(req.name)
            if existing is not None:
                return existing
        try:
            response = await self._call("POST", self._jobs_path, json=self._job_body(req))
        except WrongState:  # 409: the name is taken, by the job an earlier attempt created
            existing = await self.find_by_name(req.name)
            if existing is None:
                raise
            return existing
        job_id = json_object(VENDOR, response).get("id")
        if not job_id:
            raise VendorUnavailable(VENDOR, "create answered without an id")
        return await self.get(str(job_id))

    async def find_by_name(self, name: str, kind: JobKind = "training") -> VendorJob | None:
        self.check_kind(kind)
        items = await self._list(self._jobs_path, [("name", name), ("sort", "+date")], key="uid")
        # `name` may match parts of names; the oldest exact match is the first submission.
        exact = [item for item in items if (item.get("metadata") or {}).get("name") == name]
        return parse_job(exact[0]) if exact else None

    async def get(self, vendor_job_id: str, kind: JobKind = "training") -> VendorJob:
        self.check_kind(kind)
        return parse_job(await self._get_job(vendor_job_id))

    async def list_active(self) -> list[VendorJob]:
        params = [("status", status) for status in ACTIVE_STATUSES] + [("sort", "+date")]
        jobs = [parse_job(item) for item in await self._list(self._jobs_path, params, key="uid")]
        return [job for job in jobs if job.status is None or not job.status.is_terminal]

    async def stop(self, vendor_job_id: str, kind: JobKind = "training") -> None:
        """There is no job-level stop: stop every sub-job that has not ended or begun stopping."""
        self.check_kind(kind)
        item = await self._get_job(vendor_job_id)
        for sub in (item.get("subJobs") or {}).get("items") or []:
            if not needs_stop(sub.get("status") or {}):
                continue
            sub_id = quote(str((sub.get("metadata") or {}).get("uid")), safe="")
            path = f"/namespace/{quote(self._settings.namespace, safe='')}/trainingjob/{sub_id}/stop"
            try:
                await self._call("POST", path)
            except (WrongState, NotFound):
                pass  # it ended or was deleted in the meantime

    async def aclose(self) -> None:
        await self._client.aclose()

    def _job_body(self, req: SubmitRequest) -> dict[str, Any]:
        return job_body(req, self._settings)

    async def _get_job(self, vendor_job_id: str) -> dict[str, Any]:
        return json_object(VENDOR, await self._call("GET", f"{self._jobs_path}/{quote(vendor_job_id, safe='')}"))

    async def _list(self, path: str, params: Params, *, key: str) -> list[dict[str, Any]]:
        """Every item of a list endpoint, across all pages (deduplicated by `key`; [DOC] `metadata.total`)."""
        size = self._settings.page_size

        async def fetch(page: int) -> tuple[list[dict[str, Any]], int | None]:
            offset = page if self._settings.offset_mode == "page" else page * size
            body = json_object(VENDOR, await self._call(
                "GET", path, params=[*params, ("limit", str(size)), ("offset", str(offset))]))
            return body.get("items") or [], (body.get("metadata") or {}).get("total")
        return await all_items(fetch, size, lambda item: item_id(item, key))

    async def _call(self, method: str, path: str, *, params: Params | None = None, json: Any = None) -> httpx.Response:
        """Call `{base}/v2{path}`; on 401, log in again once and retry once."""
        token = await self._tokens.get()
        response = await send(self._client, VENDOR, method, f"{self._base}{path}", params=params, json=json,
                              headers={"X-Auth-Token": token})
        if response.status_code == 401:
            self._tokens.invalidate(token)
            token = await self._tokens.get()
            response = await send(self._client, VENDOR, method, f"{self._base}{path}", params=params, json=json,
                              headers={"X-Auth-Token": token})
        if response.is_success:
            return response
        raise vendor_error(response)
