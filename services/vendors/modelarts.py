"""Huawei ModelArts adapter: training jobs through the v2 REST API, authenticated with an IAM token."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar, Literal
from urllib.parse import quote

import httpx
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from contracts.jobs import JobKind
from services.vendors.base import SubmitRequest, VendorAdapter, VendorFlavor, VendorJob
from services.vendors.errors import (
    AuthFailed,
    CapacityUnavailable,
    InvalidRequest,
    NotFound,
    QuotaExceeded,
    RateLimited,
    VendorError,
    VendorUnavailable,
    WrongState,
    error_class_for_http_status,
)
from services.vendors.modelarts_status import ACTIVE_TRAINING_PHASES, map_training_phase, normalize_accelerator

log = logging.getLogger(__name__)

VENDOR = "modelarts"

# The training flavor list (GET /v2/{project_id}/training-job-flavors) carries no price,
# only `billing.code` + `unit_num`, and the API reference documents no price lookup for a
# billing code. List prices therefore come from this configurable table (CNY per node-hour);
# a flavor missing from it is skipped with a log line.
DEFAULT_PRICES: dict[str, Decimal] = {
    "modelarts.vm.cpu.8u": Decimal("3.20"),
    "modelarts.p3.large.public": Decimal("28.00"),
    "modelarts.bm.gpu.8v100": Decimal("224.00"),
    "modelarts.vm.snt9.1card": Decimal("18.00"),
    "modelarts.bm.snt9.xlarge.2": Decimal("36.00"),
    "modelarts.vm.snt9.8card": Decimal("144.00"),
}


class ModelArtsSettings(BaseSettings):
    """Defaults point at the local simulator (`python -m services.vendorsim modelarts --port 18001`)."""

    model_config = SettingsConfigDict(env_prefix="SWITCHYARD_MODELARTS_")

    endpoint: str = "http://127.0.0.1:18001"
    iam_endpoint: str | None = None  # None: same as endpoint
    username: str = "sim-user"
    password: SecretStr = SecretStr("sim-password")
    domain: str = "sim-domain"
    project_id: str | None = None  # None: the project of the IAM token
    project_name: str = "cn-north-4"  # token scope
    timeout_s: float = 10.0
    # The doc defines the job search `offset` as a page index; switch if the live API counts records.
    search_offset_mode: Literal["page", "record"] = "page"
    prices: dict[str, Decimal] = Field(default_factory=lambda: dict(DEFAULT_PRICES))


# Documented ModelArts error codes (API reference §19.2) by class. Not-found and many business
# errors come back as HTTP 400, so the code decides; the HTTP status is only the fallback.
# fmt: off
_ERROR_CLASSES: dict[type[VendorError], tuple[str, ...]] = {
    # job, algorithm, path, pool not found
    NotFound: ("2775", "2755", "2836", "2890"),
    # bad parameters / JSON, unknown or unusable flavor / engine / pool, bad search filters;
    # 2751 DuplicateTrainingJobName is turned into the existing job by submit()
    InvalidRequest: (
        "0101", "0104", "0107", "2787", "2788", "2751", "2763", "2780", "2781", "2789", "2790",
        "2793", "2806", "2807", "2808", "2809", "2812", "2832", "2840", "2886", "2887",
    ),
    QuotaExceeded: ("0113", "0116", "0118", "2815", "2833"),
    # sold out / no resources
    CapacityUnavailable: ("4992", "6200", "6329", "6360", "6716"),
    # token missing / expired / invalid / unscoped, project mismatch, not authorised, frozen account
    AuthFailed: (
        "0108", "0112", "0201", "0202", "0203", "0204", "0205", "0206", "0207", "0208",
        "0210", "0212", "2785", "2786", "2837",
    ),
    WrongState: ("2796", "2813", "2878"),
    RateLimited: ("2799", "6101"),
    # internal errors and failing dependent services
    VendorUnavailable: ("0010", "2950", "2952", "2953", "2954", "2955", "2956", "2957", "2958", "2959", "6102"),
}
# fmt: on
_ERROR_CODES: dict[str, type[VendorError]] = {
    f"ModelArts.{code}": error_class for error_class, codes in _ERROR_CLASSES.items() for code in codes
}

_DUPLICATE_NAME = "ModelArts.2751"
_NOT_TERMINABLE = "ModelArts.2796"
_STALE_TOKEN_CODES = frozenset({"ModelArts.0202", "ModelArts.0203"})  # expired, invalid
_SEARCH_PAGE_SIZE = 50  # the documented maximum


class ModelArtsAdapter(VendorAdapter):
    vendor: ClassVar[str] = VENDOR
    can_list: ClassVar[bool] = True

    def __init__(self, settings: ModelArtsSettings | None = None) -> None:
        self._settings = settings or ModelArtsSettings()
        self._endpoint = self._settings.endpoint.rstrip("/")
        self._client = httpx.AsyncClient(timeout=self._settings.timeout_s)
        self._tokens = _IamTokens(self._client, self._settings)

    async def list_flavors(self, kind: JobKind = "training") -> list[VendorFlavor]:
        _only_training(kind)
        response = await self._call("GET", "/training-job-flavors")
        flavors = []
        for item in _json(response).get("flavors") or []:
            flavor_id = item.get("flavor_id")
            price = self._settings.prices.get(flavor_id)
            if price is None:
                log.warning("modelarts flavor %s skipped: no price in SWITCHYARD_MODELARTS_PRICES", flavor_id)
                continue
            flavors.append(_parse_flavor(item, price))
        return flavors

    async def submit(self, req: SubmitRequest) -> VendorJob:
        _only_training(req.kind)
        if req.kind != "training":
            raise InvalidRequest(VENDOR, f"job kind {req.kind!r} is not supported")
        spec: dict[str, Any] = {"resource": {"flavor_id": req.flavor_id, "node_count": req.node_count}}
        if req.max_runtime_s is not None:
            spec["auto_stop"] = {"time_unit": "HOURS", "duration": max(1, math.ceil(req.max_runtime_s / 3600))}
        body = {
            "kind": "job",
            "metadata": {"name": req.name},
            "algorithm": {"engine": {"image_url": req.image}, "command": req.command, "environments": dict(req.env)},
            "spec": spec,
        }
        try:
            response = await self._call("POST", "/training-jobs", json=body)
        except InvalidRequest as exc:
            # Names are unique per user and there is no client token: a duplicate name means an
            # earlier attempt (e.g. one that timed out) already created the job.
            if exc.code != _DUPLICATE_NAME:
                raise
            existing = await self.find_by_name(req.name)
            if existing is None:
                raise
            return existing
        return _parse_job(_json(response))

    async def find_by_name(self, name: str, kind: JobKind = "training") -> VendorJob | None:
        _only_training(kind)
        items = await self._search([{"key": "name", "operator": "like", "value": [name]}])
        for item in items:  # `like` is a fuzzy match
            if (item.get("metadata") or {}).get("name") == name:
                return _parse_job(item)
        return None

    async def get(self, vendor_job_id: str, kind: JobKind = "training") -> VendorJob:
        _only_training(kind)
        response = await self._call("GET", f"/training-jobs/{quote(vendor_job_id, safe='')}")
        return _parse_job(_json(response))

    async def list_active(self) -> list[VendorJob]:
        items = await self._search([{"key": "phase", "operator": "in", "value": list(ACTIVE_TRAINING_PHASES)}])
        jobs = [_parse_job(item) for item in items]
        return [job for job in jobs if job.status is None or not job.status.is_terminal]

    async def stop(self, vendor_job_id: str, kind: JobKind = "training") -> None:
        _only_training(kind)
        try:
            path = f"/training-jobs/{quote(vendor_job_id, safe='')}/actions"
            await self._call("POST", path, json={"action_type": "terminate"})
        except WrongState as exc:
            # 2796: the job is not Creating/Pending/Running, i.e. already stopping or ended.
            if exc.code != _NOT_TERMINABLE:
                raise

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _search(self, filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Every job matching `filters`, across all pages, oldest first."""
        found: dict[str, dict[str, Any]] = {}
        page = 0
        while True:
            offset = page if self._settings.search_offset_mode == "page" else page * _SEARCH_PAGE_SIZE
            body = {
                "offset": offset,
                "limit": _SEARCH_PAGE_SIZE,
                "sort_by": "create_time",
                "order": "asc",
                "filters": filters,
            }
            items = _json(await self._call("POST", "/training-job-searches", json=body)).get("items") or []
            fresh = {_job_id(item): item for item in items if _job_id(item) not in found}
            found.update(fresh)
            # Jobs can move between pages while we page; a page with nothing new also ends the walk,
            # so an API that ignores `offset` cannot loop us forever.
            if len(items) < _SEARCH_PAGE_SIZE or not fresh:
                return list(found.values())
            page += 1

    async def _call(self, method: str, path: str, *, json: Any = None) -> httpx.Response:
        """Call `/v2/{project_id}{path}`; on a stale token, refresh it once and retry once."""
        token, response = await self._send_v2(method, path, json)
        if response.status_code == 401 and _error_details(response)[0] in _STALE_TOKEN_CODES:
            self._tokens.invalidate(token)
            _, response = await self._send_v2(method, path, json)
        if response.is_success:
            return response
        raise _vendor_error(response)

    async def _send_v2(self, method: str, path: str, json: Any) -> tuple[str, httpx.Response]:
        token, token_project_id = await self._tokens.get()
        url = f"{self._endpoint}/v2/{self._settings.project_id or token_project_id}{path}"
        return token, await _send(self._client, method, url, json=json, headers={"X-Auth-Token": token})


class _IamTokens:
    """A project-scoped IAM token, fetched lazily and refreshed a margin before it expires."""

    def __init__(self, client: httpx.AsyncClient, settings: ModelArtsSettings) -> None:
        self._client = client
        self._settings = settings
        self._lock = asyncio.Lock()
        self._token: str | None = None
        self._project_id = ""
        self._refresh_at = 0.0  # time.monotonic()

    async def get(self) -> tuple[str, str]:
        """(token, the token's project id)."""
        async with self._lock:
            if self._token is None or time.monotonic() >= self._refresh_at:
                await self._fetch()
            assert self._token is not None
            return self._token, self._project_id

    def invalidate(self, token: str) -> None:
        if self._token == token:
            self._token = None

    async def _fetch(self) -> None:
        settings = self._settings
        url = f"{(settings.iam_endpoint or settings.endpoint).rstrip('/')}/v3/auth/tokens"
        body = {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {
                            "name": settings.username,
                            "password": settings.password.get_secret_value(),
                            "domain": {"name": settings.domain},
                        }
                    },
                },
                "scope": {"project": {"name": settings.project_name}},
            }
        }
        response = await _send(self._client, "POST", url, json=body, headers={})
        if not response.is_success:
            raise _vendor_error(response)
        token = response.headers.get("X-Subject-Token")
        if not token:
            raise AuthFailed(VENDOR, "IAM answered without an X-Subject-Token header", http_status=response.status_code)
        info = _json(response).get("token") or {}
        expires_at = _parse_iso(info.get("expires_at"))
        issued_at = _parse_iso(info.get("issued_at")) or datetime.now(UTC)
        # Lifetime from IAM's own timestamps, so clock skew between us and IAM does not matter.
        lifetime_s = (expires_at - issued_at).total_seconds() if expires_at else 24 * 3600.0
        margin_s = min(600.0, 0.1 * lifetime_s)
        self._token = token
        self._project_id = str((info.get("project") or {}).get("id") or "")
        self._refresh_at = time.monotonic() + max(0.0, lifetime_s - margin_s)


async def _send(
    client: httpx.AsyncClient, method: str, url: str, *, json: Any, headers: dict[str, str]
) -> httpx.Response:
    try:
        return await client.request(method, url, json=json, headers=headers)
    except httpx.TransportError as exc:  # timeouts, refused connections, protocol errors
        raise VendorUnavailable(VENDOR, f"{method} {url}: {type(exc).__name__}: {exc}") from exc


def _error_details(response: httpx.Response) -> tuple[str | None, str]:
    """(error_code, message) from a ModelArts body or an IAM (Keystone-style) body."""
    try:
        body = response.json()
    except ValueError:
        return None, response.text[:200] or response.reason_phrase
    if not isinstance(body, dict):
        return None, str(body)[:200]
    if "error_code" in body:
        return str(body["error_code"]), str(body.get("error_msg") or "")
    error = body.get("error")
    if isinstance(error, dict):
        return None, str(error.get("message") or error.get("title") or "")
    return None, response.reason_phrase


def _vendor_error(response: httpx.Response) -> VendorError:
    code, message = _error_details(response)
    status = response.status_code
    error_class = _ERROR_CODES.get(code or "") or error_class_for_http_status(status)
    if error_class is RateLimited:
        return RateLimited(VENDOR, message, code=code, http_status=status, retry_after_s=_retry_after(response))
    return error_class(VENDOR, message, code=code, http_status=status)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:  # the HTTP-date form
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def _parse_job(item: dict[str, Any]) -> VendorJob:
    metadata = item.get("metadata") or {}
    status = item.get("status") or {}
    phase = str(status.get("phase") or "")
    normalized = map_training_phase(phase)
    started_at = _from_ms(status.get("start_time"))
    finished_at = None
    # There is no end time: a terminal job ended at start_time + duration.
    if normalized is not None and normalized.is_terminal and started_at is not None:
        finished_at = started_at + timedelta(milliseconds=_as_int(status.get("duration")))
    return VendorJob(
        vendor_job_id=_job_id(item),
        name=str(metadata.get("name") or ""),
        raw_status=phase,
        status=normalized,
        reason=_reason(status),
        created_at=_from_ms(metadata.get("create_time")),
        started_at=started_at,
        finished_at=finished_at,
    )


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        message = f"expected a JSON object, got {response.text[:200]!r}"
        raise VendorUnavailable(VENDOR, message, http_status=response.status_code)
    return body


def _job_id(item: dict[str, Any]) -> str:
    job_id = (item.get("metadata") or {}).get("id")
    if not job_id:
        raise VendorUnavailable(VENDOR, "training job without metadata.id in the response")
    return str(job_id)


def _only_training(kind: str) -> None:
    # Notebooks and inference services are the next step for this adapter (issue 3).
    if kind != "training":
        raise InvalidRequest(VENDOR, f"{kind} workloads are not supported on modelarts yet")


def _reason(status: dict[str, Any]) -> str | None:
    """`secondary_phase` when it adds something to the phase, plus the failing tasks' messages."""
    secondary = status.get("secondary_phase") or None
    if secondary == status.get("phase"):
        secondary = None  # "Running"/"Running" says nothing a reader needs
    failures = [
        f"{task.get('task')}: exit {task.get('exit_code')}: {task.get('message')}"
        for task in status.get("task_statuses") or []
        if task.get("message")
    ]
    if not failures:
        return secondary
    return f"{secondary or 'Failed'} ({'; '.join(failures)})"


def _parse_flavor(item: dict[str, Any], price: Decimal) -> VendorFlavor:
    info = item.get("flavor_info") or {}
    accelerator_info = info.get("gpu") or info.get("npu") or {}
    flavor_type = item.get("flavor_type")
    return VendorFlavor(
        vendor=VENDOR,
        flavor_id=str(item.get("flavor_id")),
        accelerator=normalize_accelerator(flavor_type, accelerator_info.get("product_name")),
        count=_as_int(accelerator_info.get("unit_num")),  # npu.unit_num is a String
        cpu=_as_int((info.get("cpu") or {}).get("core_num")),
        memory_gb=_memory_gb(info.get("memory") or {}),
        price_per_hour=int((price * 1_000_000).to_integral_value(rounding=ROUND_HALF_UP)),
        # The training flavor list has no sold-out flag; sold-out shows up only on submit.
        available=True,
    )


def _memory_gb(memory: dict[str, Any]) -> int:
    size = _as_int(memory.get("size"))
    unit = str(memory.get("unit") or "GB").upper()
    if unit in ("MB", "MIB"):
        return size // 1024
    if unit in ("TB", "TIB"):
        return size * 1024
    return size


def _as_int(value: Any) -> int:
    """ModelArts types drift between numbers and strings; be lenient."""
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return 0


def _from_ms(value: Any) -> datetime | None:
    """ms epoch -> tz-aware UTC datetime; 0/absent means "not yet"."""
    ms = _as_int(value)
    return datetime.fromtimestamp(ms / 1000, UTC) if ms > 0 else None


def _parse_iso(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
Adapter = ModelArtsAdapter  # what services.vendors.make_adapter builds
