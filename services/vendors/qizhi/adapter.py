"""Qizhi (SII, 启智平台) adapter: distributed training jobs through the openapi, with a bearer token.

The document has four endpoints, all POST with JSON bodies: token, create, detail, stop. Flavors
come from the [EXT] spec list (or from settings, see `QizhiSettings.specs`). There is no list of
jobs, so `can_list` is False and the watcher asks `get` per job. Every HTTP call, the login too,
goes through one `CallLimiter` (rate and concurrency) per adapter, so thousands of polls never
exceed the account's limits; each poll is one POST on a kept-alive connection with a cached token.

Idempotency of `submit`. Qizhi has no client token, names need not be unique, and without a job
list nothing can be found by name. So:
- a name this adapter already created returns that job (names remembered in process);
- a refused create (non-zero code, 4xx, throttle, no connection) created nothing and may be retried;
- a create whose answer was lost (a timeout after sending, a 5xx) is "outcome unknown": it raises
  VendorUnavailable saying so, and is logged with the name. The create timeout is generous
  (`create_timeout_s`) to make this rare.
Residual risk: a create whose answer was lost, or a crash between the vendor's answer and the
scheduler's commit, followed by a retry, makes a second job with the same name `sy-<job id>`. The
name carries the Switchyard job id, so such a duplicate is recognisable on the Qizhi console;
`max_runtime_s` (sent as `max_running_time_ms`) bounds what it can cost.
"""

import asyncio
import logging
from collections import OrderedDict
from decimal import Decimal
from typing import Any, ClassVar

import httpx

from contracts.jobs import JobKind
from services.vendors.base import SubmitRequest, VendorAdapter, VendorFlavor, VendorJob
from services.vendors.errors import (
    AuthFailed,
    InvalidRequest,
    NotFound,
    RateLimited,
    VendorError,
    VendorUnavailable,
    error_details,
    retry_after_seconds,
    typed_error,
)
from services.vendors.qizhi.auth import credentials, token_and_lifetime
from services.vendors.qizhi.catalog import parse_spec, static_flavor
from services.vendors.qizhi.errors import MessageMarkers, classify
from services.vendors.qizhi.settings import VENDOR, QizhiSettings, StaticSpec
from services.vendors.qizhi.wire import (
    CREATE_PATH,
    DETAIL_PATH,
    SPECS_PATH,
    STOP_PATH,
    TOKEN_PATH,
    as_object,
    create_body,
    envelope_code,
    parse_job,
)
from services.vendors.ratelimit import CallLimiter
from services.vendors.tokens import RenewingToken
from services.common.http_transport import Http1Transport
from services.vendors.transport import send

log = logging.getLogger(__name__)

class QizhiAdapter(VendorAdapter):
    vendor: ClassVar[str] = VENDOR
    can_list: ClassVar[bool] = False  # the openapi has no job list
    kinds: ClassVar[frozenset[str]] = frozenset({"training"})

    def __init__(self, settings: QizhiSettings | None = None) -> None:
        self._settings = settings or QizhiSettings()
        s = self._settings
        self._endpoint = s.endpoint.rstrip("/")
        self._client = httpx.AsyncClient(timeout=s.timeout_s, transport=Http1Transport(
            fallback=httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=s.concurrency,
                                                                  max_keepalive_connections=s.concurrency))))
        self._limiter = CallLimiter(s.rate_per_s, s.concurrency, s.rate_burst)
        self.calls_per_s = s.rate_per_s
        self._markers = MessageMarkers(not_found=s.not_found_markers, capacity=s.capacity_markers)
        self._token = RenewingToken(self._login, max_margin_s=3600.0)
        self._spec_groups: dict[str, str] = {}  # spec id -> its logic compute group
        self._submitted = _RecentNames(s.remembered_names)
        self._creating = asyncio.Lock()  # one create at a time, so a retried name waits for the first

    def share_rate_budget(self, pool) -> None:
        self._limiter.share(pool, f"{VENDOR}:{self._endpoint}:{self._settings.username}")

    # ---- VendorAdapter

    async def list_flavors(self, kind: JobKind = "training") -> list[VendorFlavor]:
        self.check_kind(kind)
        if self._settings.specs is not None:
            return [self._static_flavor(spec).model_copy(update={"max_nodes": self._settings.max_instances})
                    for spec in self._settings.specs]
        flavors = []
        for lcg_id in self._settings.logic_compute_group_ids:
            data = await self._call(SPECS_PATH, {"logic_compute_group_id": lcg_id})
            for item in as_object(data).get("specs") or []:
                flavor = parse_spec(item) if isinstance(item, dict) else None
                if flavor is None:
                    log.warning("qizhi spec skipped: no spec id or no total_price_per_hour: %s", item)
                    continue
                self._spec_groups[flavor.flavor_id] = str(item.get("logic_compute_group_id") or lcg_id)
                flavors.append(flavor.model_copy(update={"max_nodes": self._settings.max_instances}))
        return flavors

    async def submit(self, req: SubmitRequest) -> VendorJob:
        self.check_kind(req.kind)
        if not req.command:
            raise InvalidRequest(VENDOR, "a training job needs a command")
        async with self._creating:
            known = self._submitted.get(req.name)
            if known is not None:
                return await self.get(known)
            body = await self._create_body(req)
            try:
                data = await self._call(CREATE_PATH, body, timeout=self._settings.create_timeout_s)
            except NotFound as exc:
                # "record not found" on create: the project, workspace, group or spec id is wrong.
                raise InvalidRequest(VENDOR, f"create refused: {exc.message}", code=exc.code) from exc
            except VendorUnavailable as exc:
                if not _may_have_reached_vendor(exc):
                    raise
                log.warning("qizhi create outcome unknown for %s (a retry may duplicate it): %s", req.name, exc)
                raise VendorUnavailable(
                    VENDOR,
                    f"create of {req.name} may or may not have happened ({exc.message}); retry later",
                    code=exc.code,
                    http_status=exc.http_status,
                ) from exc
            job = parse_job(data)
            self._submitted.remember(req.name, job.vendor_job_id)
            return job

    async def find_by_name(self, name: str, kind: JobKind = "training") -> VendorJob | None:
        """Only jobs this adapter created: Qizhi cannot look a job up by name (see the module doc)."""
        self.check_kind(kind)
        job_id = self._submitted.get(name)
        return None if job_id is None else await self.get(job_id)

    async def get(self, vendor_job_id: str, kind: JobKind = "training") -> VendorJob:
        self.check_kind(kind)
        return parse_job(await self._call(DETAIL_PATH, {"job_id": vendor_job_id}))

    async def stop(self, vendor_job_id: str, kind: JobKind = "training") -> None:
        self.check_kind(kind)
        try:
            await self._call(STOP_PATH, {"job_id": vendor_job_id})
        except (NotFound, AuthFailed, RateLimited, VendorUnavailable):
            raise
        except VendorError:
            # [EXT] stopping an ended job may answer a non-zero code: fine when the job has ended.
            job = await self.get(vendor_job_id)
            if job.status is None or not job.status.is_terminal:
                raise

    async def aclose(self) -> None:
        await self._client.aclose()

    # ---- requests

    async def _create_body(self, req: SubmitRequest) -> dict[str, Any]:
        """The create body, once the spec's logic compute group is known."""
        lcg_id = self._spec_groups.get(req.flavor_id)
        if lcg_id is None:
            await self.list_flavors()  # a fresh process: learn which group the spec belongs to
            lcg_id = self._spec_groups.get(req.flavor_id)
        if lcg_id is None:
            raise InvalidRequest(VENDOR, f"unknown spec {req.flavor_id!r}")
        return create_body(req, self._settings, lcg_id)

    def _static_flavor(self, spec: StaticSpec) -> VendorFlavor:
        self._spec_groups[spec.spec_id] = spec.logic_compute_group_id
        return static_flavor(spec)

    # ---- HTTP

    async def _call(self, path: str, body: dict[str, Any], *, timeout: float | None = None) -> Any:
        """POST with the token; when the token is refused ([EXT] HTTP 200 `code: -1`, a 401, or [DOC] an HTTP 400
        whose string refuses it), log in again and retry once."""
        token = await self._token.get()
        try:
            return await self._post(path, body, token=token, timeout=timeout)
        except AuthFailed as exc:
            if exc.code != "-1" and exc.http_status not in (400, 401):
                raise
            self._token.invalidate(token)
        return await self._post(path, body, token=await self._token.get(), timeout=timeout)

    async def _login(self) -> tuple[str, float]:
        try:
            data = await self._post(TOKEN_PATH, credentials(self._settings), token=None)
        except (RateLimited, VendorUnavailable):
            raise
        except VendorError as exc:
            raise AuthFailed(VENDOR, f"login refused: {exc.message}", code=exc.code, http_status=exc.http_status) from exc
        return token_and_lifetime(data)

    async def _post(self, path: str, body: dict[str, Any], *, token: str | None, timeout: float | None = None) -> Any:
        """One call within the account's limits; the payload (`data`, or a bare body) or a typed error."""
        self._refuse_while_backing_off()
        async with self._limiter:
            self._refuse_while_backing_off()  # a 429 may have come in while this call waited
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            response = await send(self._client, VENDOR, "POST", f"{self._endpoint}{path}", json=body, headers=headers,
                                  timeout=httpx.USE_CLIENT_DEFAULT if timeout is None else timeout)
        return self._payload(path, response)

    def _payload(self, path: str, response: httpx.Response) -> Any:
        try:
            # Numbers as Decimal: prices reach us exactly as the vendor wrote them.
            body = response.json(parse_float=Decimal)
        except ValueError:
            body = None
        if isinstance(body, dict) and "code" in body:  # [EXT] the {code, message, data} envelope
            code = envelope_code(body["code"])
            if response.status_code == 200 and code == 0:
                return body.get("data")
            raise self._error(response, code, error_details(body, message_keys=("message", "msg"))[1])
        if response.is_success and body is not None:
            return body  # the document's bare shapes
        raise self._error(response, None, response.text[:200] or f"POST {path}: HTTP {response.status_code}")

    def _error(self, response: httpx.Response, code: int | None, message: str) -> VendorError:
        status = response.status_code
        error_class = classify(status, code, message, self._markers)
        wait_s = None
        if error_class is RateLimited:
            retry_after = retry_after_seconds(response)
            wait_s = self._settings.throttle_backoff_s if retry_after is None else retry_after
            self._limiter.back_off(wait_s)
        return typed_error(error_class, VENDOR, message, code=None if code is None else str(code), http_status=status,
                           retry_after_s=wait_s)

    def _refuse_while_backing_off(self) -> None:
        wait_s = self._limiter.backing_off_for()
        if wait_s > 0:
            raise RateLimited(VENDOR, "backing off: the vendor throttled this account", retry_after_s=wait_s)


class _RecentNames:
    """name -> vendor job id of the jobs this adapter created, the oldest forgotten first."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._ids: OrderedDict[str, str] = OrderedDict()

    def get(self, name: str) -> str | None:
        return self._ids.get(name)

    def remember(self, name: str, job_id: str) -> None:
        self._ids[name] = job_id
        self._ids.move_to_end(name)
        while len(self._ids) > self._capacity:
            self._ids.popitem(last=False)


def _may_have_reached_vendor(exc: VendorUnavailable) -> bool:
    """False only when the request certainly never left: no connection could be made."""
    cause = exc.__cause__
    return not isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
