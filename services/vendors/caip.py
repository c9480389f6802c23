"""Cambricon CAIP adapter: batch training jobs through the Compute Server API, behind the
platform's Keystone-style login.

The document has the Compute Server's routes only; the login, the token headers and the gateway
prefix are [EXT] (public clients of the platform) and are settings. A Switchyard training job is
one `normal` batch training job with one sub-job of `node_count` workers on the chosen flavor.
"""

import logging
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar, Literal
from urllib.parse import quote

import httpx
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from contracts.jobs import JobKind
from services.vendors.base import SubmitRequest, VendorAdapter, VendorFlavor, VendorJob
from services.vendors.caip_catalog import parse_flavor
from services.vendors.caip_errors import VENDOR, vendor_error
from services.vendors.caip_status import ACTIVE_STATUSES, map_job_status, needs_stop
from services.vendors.errors import AuthFailed, InvalidRequest, NotFound, VendorUnavailable, WrongState, json_object
from services.vendors.paging import all_items
from services.vendors.tokens import RenewingToken
from services.vendors.transport import VendorTransport

log = logging.getLogger(__name__)

Params = list[tuple[str, str]]


class CaipSettings(BaseSettings):
    """Defaults point at the local simulator (`python -m services.vendorsim caip --port 18002`)."""

    model_config = SettingsConfigDict(env_prefix="SWITCHYARD_CAIP_")

    endpoint: str = "http://127.0.0.1:18002"
    # [EXT] the gateway puts the Compute Server under /api/compute; "" talks to it directly.
    api_prefix: str = "/api/compute"
    # [EXT] POST {"identity", "password"}; the token comes back in X-Subject-Token.
    auth_path: str = "/api/auth/v3/login/internal"
    username: str = "sim-user"
    password: SecretStr = SecretStr("sim-password")
    namespace: str = "f1a8a60e5878450c9c40fa57161466aa"  # the project id
    # [EXT] clients assume 12 h; used when the login answer carries no `token.expires_at`.
    token_ttl_s: float = 12 * 3600.0
    timeout_s: float = 10.0
    # The doc calls `offset` "the start page"; [EXT] clients send an item offset.
    offset_mode: Literal["item", "page"] = "item"
    # No maximum is documented; [EXT] clients page with limit=100 (a listing of N jobs costs ceil(N/100) calls).
    page_size: int = 100
    # [INFER] the doc does not say what a credit is worth: CNY per credit (1: credit == micro-CNY).
    cny_per_credit: Decimal = Decimal(1)
    priority_class: str = "train-job-priority-1"  # the doc's default class
    # [INFER] communType of a multi-worker job (one worker runs `standalone`).
    distributed_commun_type: Literal["horovod", "tensorflow", "pytorch"] = "pytorch"
    # [INFER] names being unique per project is not documented: look for the name before creating.
    find_name_before_create: bool = True


class CaipAdapter(VendorAdapter):
    vendor: ClassVar[str] = VENDOR
    can_list: ClassVar[bool] = True
    kinds: ClassVar[frozenset[str]] = frozenset({"training"})

    def __init__(self, settings: CaipSettings | None = None) -> None:
        self._settings = settings or CaipSettings()
        self._base = f"{self._settings.endpoint.rstrip('/')}{self._settings.api_prefix.rstrip('/')}/v2"
        self._jobs_path = f"/namespace/{quote(self._settings.namespace, safe='')}/batch-trainingjob"
        self._client = httpx.AsyncClient(timeout=self._settings.timeout_s, transport=VendorTransport())
        self._tokens = RenewingToken(lambda: _login(self._client, self._settings), max_margin_s=600.0)

    async def list_flavors(self, kind: JobKind = "training") -> list[VendorFlavor]:
        _only_training(kind)
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
        _only_training(req.kind)
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
        _only_training(kind)
        items = await self._list(self._jobs_path, [("name", name), ("sort", "+date")], key="uid")
        # `name` may match parts of names; the oldest exact match is the first submission.
        exact = [item for item in items if (item.get("metadata") or {}).get("name") == name]
        return _parse_job(exact[0]) if exact else None

    async def get(self, vendor_job_id: str, kind: JobKind = "training") -> VendorJob:
        _only_training(kind)
        return _parse_job(await self._get_job(vendor_job_id))

    async def list_active(self) -> list[VendorJob]:
        params = [("status", status) for status in ACTIVE_STATUSES] + [("sort", "+date")]
        jobs = [_parse_job(item) for item in await self._list(self._jobs_path, params, key="uid")]
        return [job for job in jobs if job.status is None or not job.status.is_terminal]

    async def stop(self, vendor_job_id: str, kind: JobKind = "training") -> None:
        """There is no job-level stop: stop every sub-job that has not ended or begun stopping."""
        _only_training(kind)
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
        assert req.command is not None
        # BatchTrainingJobSpec is undefined in the doc; [INFER] it takes TrainingJobBasicSpec and
        # TrainingAlgorithmSpec fields (digest §3.3). `command` is required yet documented as "UI
        # only", so the script also goes to `executionCommand`. Environment variables: [INFER]
        # `spec.env` as Kubernetes EnvVars. CAIP has no run-time limit: max_runtime_s is not sent.
        spec: dict[str, Any] = {
            "image": req.image,
            "workerCount": req.node_count,
            "flavorIDs": [req.flavor_id],
            "command": ["/bin/bash", "-c", req.command],
            "executionCommand": req.command,
            "env": [{"name": key, "value": value} for key, value in req.env.items()],
        }
        return {
            "metadata": {"name": req.name},
            "trainingType": "normal",
            "communType": "standalone" if req.node_count == 1 else self._settings.distributed_commun_type,
            "priorityClassName": self._settings.priority_class,
            "spec": spec,
        }

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
        return await all_items(fetch, size, lambda item: _item_id(item, key))

    async def _call(self, method: str, path: str, *, params: Params | None = None, json: Any = None) -> httpx.Response:
        """Call `{base}/v2{path}`; on 401, log in again once and retry once."""
        token = await self._tokens.get()
        response = await _send(self._client, method, f"{self._base}{path}", params, json, {"X-Auth-Token": token})
        if response.status_code == 401:
            self._tokens.invalidate(token)
            token = await self._tokens.get()
            response = await _send(self._client, method, f"{self._base}{path}", params, json, {"X-Auth-Token": token})
        if response.is_success:
            return response
        raise vendor_error(response)


async def _login(client: httpx.AsyncClient, settings: CaipSettings) -> tuple[str, float]:
    """Log in; the token and its lifetime."""
    url = f"{settings.endpoint.rstrip('/')}{settings.auth_path}"
    body = {"identity": settings.username, "password": settings.password.get_secret_value()}
    response = await _send(client, "POST", url, None, body, {})
    if not response.is_success:
        raise vendor_error(response)
    token = response.headers.get("X-Subject-Token")
    if not token:
        message = "login answered without an X-Subject-Token header"
        raise AuthFailed(VENDOR, message, http_status=response.status_code)
    return token, _token_lifetime(response) or settings.token_ttl_s


def _token_lifetime(response: httpx.Response) -> float | None:
    """[INFER] a Keystone-style `token.expires_at`/`issued_at` in the login body, when present;
    the difference of the server's own times, so clock skew does not matter."""
    try:
        record = response.json().get("token") or {}
        expires_at, issued_at = _parse_time(record.get("expires_at")), _parse_time(record.get("issued_at"))
    except (ValueError, AttributeError):
        return None
    if expires_at is None or issued_at is None or expires_at <= issued_at:
        return None
    return (expires_at - issued_at).total_seconds()


async def _send(
    client: httpx.AsyncClient, method: str, url: str, params: Params | None, json: Any, headers: dict[str, str]
) -> httpx.Response:
    try:
        return await client.request(method, url, params=params, json=json, headers=headers)
    except httpx.TransportError as exc:  # timeouts, refused connections, protocol errors
        raise VendorUnavailable(VENDOR, f"{method} {url}: {type(exc).__name__}: {exc}") from exc


def _parse_job(item: dict[str, Any]) -> VendorJob:
    metadata = item.get("metadata") or {}
    subs = (item.get("subJobs") or {}).get("items") or []
    sub_statuses = [sub.get("status") or {} for sub in subs]
    raw = str(item.get("status") or (item.get("info") or {}).get("overview") or "")
    return VendorJob(
        vendor_job_id=_item_id(item, "uid"),
        name=str(metadata.get("name") or ""),
        raw_status=raw,
        status=map_job_status(raw, sub_statuses),
        reason=_reason(subs),
        created_at=_parse_time(metadata.get("creationTimestamp")),
        # The API has no start or end time (only creationTimestamp): the watcher observes them.
        started_at=None,
        finished_at=None,
    )


def _reason(subs: list[dict[str, Any]]) -> str | None:
    """Which sub-jobs had failing pods."""
    failures = [
        f"{(sub.get('metadata') or {}).get('name')}: {status.get('failed')} of {status.get('minAvailable')} pods failed"
        for sub in subs
        if (status := sub.get("status") or {}).get("failed")
    ]
    return "; ".join(failures) or None


def _item_id(item: dict[str, Any], key: str) -> str:
    value = (item.get("metadata") or {}).get(key) if key == "uid" else item.get(key)
    if not value:
        raise VendorUnavailable(VENDOR, f"a listed item has no {key}")
    return str(value)



def _parse_time(value: Any) -> datetime | None:
    """RFC 3339 ([EXT] clients parse creationTimestamp so), as tz-aware UTC."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _only_training(kind: str) -> None:
    if kind != "training":
        raise InvalidRequest(VENDOR, f"{kind} workloads are not in CAIP's Compute Server API")


Adapter = CaipAdapter  # what services.vendors.make_adapter builds
