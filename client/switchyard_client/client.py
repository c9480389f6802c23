"""`Client` (sync) and `AsyncClient` over httpx. Every route is one method of `_Routes`, written once: it names the
call (`Call`) and each client runs it its own way, with the same retries, idempotency keys and errors."""

import asyncio
import json as json_module
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from switchyard_client import models as m
from switchyard_client.errors import ApiError, ApiUnreachable
from switchyard_client.jobspec import JobSpec
from switchyard_client.retry import RETRY_STATUSES, RetryPolicy

DEFAULT_URL = "http://127.0.0.1:8000"


@dataclass
class Call:
    method: str
    path: str
    model: type[m.ApiModel] | None = None  # None: the decoded JSON (or text) as it is
    params: dict[str, Any] | None = None
    json: Any = None
    create: bool = False  # sends an Idempotency-Key, the same one on every retry of this call
    idempotency_key: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    text: bool = False  # the body as text (CSV statements)
    content: bytes | None = None  # a raw body, sent as it is (with its Content-Type in `headers`)
    raw: bool = False  # the answer as it came (ServiceAnswer): a service's own, not the API's JSON
    retries: bool = True  # False for a call that may not be safe to repeat (an inference call)

    def request_headers(self) -> dict[str, str]:
        headers = dict(self.headers)
        if self.create:
            # Fixed once per call, before the first try, so a retried create is the same create.
            self.idempotency_key = self.idempotency_key or str(uuid.uuid4())
            headers["Idempotency-Key"] = self.idempotency_key
        return headers


def _params(**values: Any) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, uuid.UUID) else v for k, v in values.items() if v is not None}


def _spec(spec: JobSpec | dict) -> dict:
    return spec.to_api() if isinstance(spec, JobSpec) else spec


def _key_body(name: str, expires_at: str | None) -> dict[str, Any]:
    return {"name": name} | ({"expires_at": expires_at} if expires_at else {})


@dataclass(frozen=True)
class ServiceAnswer:
    """An inference service's answer, relayed by the API: its status, content type and body."""

    status: int
    content_type: str
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")

    def json(self) -> Any:
        return json_module.loads(self.body)


def _result(call: Call, response: httpx.Response) -> Any:
    if response.status_code >= 400:
        try:
            body = response.json()
        except ValueError:
            body = response.text
        raise ApiError.from_response(response.status_code, body, response.reason_phrase)
    if call.raw:
        return ServiceAnswer(response.status_code, response.headers.get("content-type", ""), response.content)
    if call.text:
        return response.text
    if response.status_code == 204 or not response.content:
        return None
    data = response.json()
    return call.model.from_api(data) if call.model else data


class _Routes:
    """Every public route of the API; each method returns what `_run` makes of its Call (a value for Client, an
    awaitable for AsyncClient)."""

    def _run(self, call: Call) -> Any:
        raise NotImplementedError

    # Jobs
    def submit_job(self, spec: JobSpec | dict, *, idempotency_key: str | None = None):
        return self._run(Call("POST", "/v1/jobs", m.Job, json=_spec(spec), create=True,
                              idempotency_key=idempotency_key))

    def list_jobs(self, *, status: str | None = None, kind: str | None = None, limit: int | None = None,
                  cursor: str | None = None):
        return self._run(Call("GET", "/v1/jobs", m.JobList,
                              params=_params(status=status, kind=kind, limit=limit, cursor=cursor)))

    def get_job(self, job_id: uuid.UUID | str):
        return self._run(Call("GET", f"/v1/jobs/{job_id}", m.Job))

    def cancel_job(self, job_id: uuid.UUID | str):
        return self._run(Call("POST", f"/v1/jobs/{job_id}/cancel", m.Job))

    def job_events(self, job_id: uuid.UUID | str):
        return self._run(Call("GET", f"/v1/jobs/{job_id}/events", m.JobEventList))

    def metrics(self, job_id: uuid.UUID | str):
        """The job's resource use on its vendor: one series per metric it measured (501 where the vendor
        documents no job metrics)."""
        return self._run(Call("GET", f"/v1/jobs/{job_id}/metrics", m.JobMetrics))

    def logs(self, job_id: uuid.UUID | str, *, tail: int | None = None, follow: bool = False):
        """The job's last `tail` lines of output (the API's default 1000) as one text; with `follow`, an iterator
        of its lines as they are written (an async iterator for AsyncClient, not awaited), ending when the job
        does."""
        call = Call("GET", f"/v1/jobs/{job_id}/logs", params=_params(tail=tail), text=True)
        if follow:
            call.params = {**(call.params or {}), "follow": "true"}
            call.headers["Accept"] = "text/event-stream"
            return self._follow(call)
        return self._run(call)

    def invoke(self, job_id: uuid.UUID | str, body: bytes | str | dict | list = b"", *,
               content_type: str = "application/json"):
        """Call the job's running inference service; its answer (`ServiceAnswer`). A dict or list is sent as JSON.
        Not retried: the service may not take the same call twice."""
        if isinstance(body, dict | list):
            content = json_module.dumps(body).encode()
        else:
            content = body.encode() if isinstance(body, str) else body
        return self._run(Call("POST", f"/v1/jobs/{job_id}/invoke", content=content, raw=True, retries=False,
                              headers={"Content-Type": content_type}))

    # Catalog
    def flavors(self, *, kind: str | None = None, accelerator: str | None = None, count: int | None = None):
        return self._run(Call("GET", "/v1/flavors", m.FlavorList,
                              params=_params(kind=kind, accelerator=accelerator, count=count)))

    def quote(self, spec: JobSpec | dict):
        return self._run(Call("POST", "/v1/quotes", m.QuoteList, json=_spec(spec)))

    # Billing
    def balance(self):
        return self._run(Call("GET", "/v1/balance", m.Balance))

    def usage(self, *, job_id: uuid.UUID | str | None = None, since: str | None = None, until: str | None = None,
              limit: int | None = None, cursor: str | None = None):
        return self._run(Call("GET", "/v1/usage", m.UsagePage, params=_params(
            job_id=job_id, limit=limit, cursor=cursor, **{"from": since, "to": until})))

    def usage_grouped(self, group_by: str, *, job_id: uuid.UUID | str | None = None, since: str | None = None,
                      until: str | None = None):
        return self._run(Call("GET", "/v1/usage", m.GroupedUsage, params=_params(
            group_by=group_by, job_id=job_id, **{"from": since, "to": until})))

    def statement(self, month: str):
        return self._run(Call("GET", f"/v1/statements/{month}"))

    def statement_csv(self, month: str):
        return self._run(Call("GET", f"/v1/statements/{month}", headers={"Accept": "text/csv"}, text=True))

    def package_offers(self, *, limit: int | None = None, cursor: str | None = None):
        return self._run(Call("GET", "/v1/package-offers", m.OfferList, params=_params(limit=limit, cursor=cursor)))

    def buy_package(self, offer_id: uuid.UUID | str, *, idempotency_key: str | None = None):
        return self._run(Call("POST", "/v1/packages", m.Package, json={"offer_id": str(offer_id)}, create=True,
                              idempotency_key=idempotency_key))

    def packages(self, *, limit: int | None = None, cursor: str | None = None):
        return self._run(Call("GET", "/v1/packages", m.PackageList, params=_params(limit=limit, cursor=cursor)))

    # Webhooks
    def create_webhook(self, url: str, event_types: list[str]):
        return self._run(Call("POST", "/v1/webhooks", m.WebhookCreated,
                              json={"url": url, "event_types": event_types}, create=True))

    def webhooks(self, *, limit: int | None = None, cursor: str | None = None):
        return self._run(Call("GET", "/v1/webhooks", m.WebhookList, params=_params(limit=limit, cursor=cursor)))

    def get_webhook(self, webhook_id: uuid.UUID | str):
        return self._run(Call("GET", f"/v1/webhooks/{webhook_id}", m.WebhookDetail))

    def delete_webhook(self, webhook_id: uuid.UUID | str):
        return self._run(Call("DELETE", f"/v1/webhooks/{webhook_id}"))

    def rotate_webhook_secret(self, webhook_id: uuid.UUID | str):
        return self._run(Call("POST", f"/v1/webhooks/{webhook_id}/rotate-secret", m.SecretRotated))

    def enable_webhook(self, webhook_id: uuid.UUID | str):
        return self._run(Call("POST", f"/v1/webhooks/{webhook_id}/enable", m.WebhookDetail))

    def replay_webhook(self, webhook_id: uuid.UUID | str, since: str, until: str | None = None):
        return self._run(Call("POST", f"/v1/webhooks/{webhook_id}/replay", m.Replayed,
                              json=_params(since=since, until=until)))

    def test_webhook(self, webhook_id: uuid.UUID | str):
        return self._run(Call("POST", f"/v1/webhooks/{webhook_id}/test", m.TestSent))

    def deliveries(self, webhook_id: uuid.UUID | str, *, status: str | None = None, limit: int | None = None,
                   cursor: str | None = None):
        return self._run(Call("GET", f"/v1/webhooks/{webhook_id}/deliveries", m.DeliveryList,
                              params=_params(status=status, limit=limit, cursor=cursor)))

    def event_types(self, *, limit: int | None = None, cursor: str | None = None):
        return self._run(Call("GET", "/v1/event-types", m.EventTypeList, params=_params(limit=limit, cursor=cursor)))

    # Topics
    def create_topic(self, name: str, event_types: list[str] | None = None):
        return self._run(Call("POST", "/v1/topics", m.Topic, json={"name": name, "event_types": event_types or []},
                              create=True))

    def topics(self, *, limit: int | None = None, cursor: str | None = None):
        return self._run(Call("GET", "/v1/topics", m.TopicList, params=_params(limit=limit, cursor=cursor)))

    def get_topic(self, topic_id: uuid.UUID | str):
        return self._run(Call("GET", f"/v1/topics/{topic_id}", m.Topic))

    def delete_topic(self, topic_id: uuid.UUID | str):
        return self._run(Call("DELETE", f"/v1/topics/{topic_id}"))

    def publish(self, topic_id: uuid.UUID | str, message: str, *, subject: str = "",
                attributes: dict[str, str] | None = None):
        return self._run(Call("POST", f"/v1/topics/{topic_id}/publish", m.Published,
                              json={"subject": subject, "message": message, "attributes": attributes or {}}))

    def subscribe(self, topic_id: uuid.UUID | str, protocol: str, endpoint: str,
                  filter_policy: dict[str, Any] | None = None):
        return self._run(Call("POST", f"/v1/topics/{topic_id}/subscriptions", m.SubscriptionCreated,
                              json={"protocol": protocol, "endpoint": endpoint, "filter_policy": filter_policy},
                              create=True))

    def subscriptions(self, topic_id: uuid.UUID | str, *, limit: int | None = None, cursor: str | None = None):
        return self._run(Call("GET", f"/v1/topics/{topic_id}/subscriptions", m.SubscriptionList,
                              params=_params(limit=limit, cursor=cursor)))

    def unsubscribe(self, topic_id: uuid.UUID | str, subscription_id: uuid.UUID | str):
        return self._run(Call("DELETE", f"/v1/topics/{topic_id}/subscriptions/{subscription_id}"))

    # API keys (the calling tenant's own)
    def create_api_key(self, name: str, *, expires_at: str | None = None):
        """A new key; `.api_key` is in this answer only. `expires_at`: ISO 8601 with a time zone, None = never."""
        return self._run(Call("POST", "/v1/api-keys", m.NewApiKey, json=_key_body(name, expires_at), create=True))

    def api_keys(self, *, limit: int | None = None, cursor: str | None = None):
        return self._run(Call("GET", "/v1/api-keys", m.ApiKeyList, params=_params(limit=limit, cursor=cursor)))

    def delete_api_key(self, key_id: uuid.UUID | str):
        """Revoked at once; the tenant's last active key is refused (409 `last-api-key`)."""
        return self._run(Call("DELETE", f"/v1/api-keys/{key_id}"))

    # Operator (admin token)
    def create_tenant(self, name: str):
        return self._run(Call("POST", "/v1/admin/tenants", m.Tenant, json={"name": name}, create=True))

    def tenants(self, *, limit: int | None = None, cursor: str | None = None):
        return self._run(Call("GET", "/v1/admin/tenants", m.TenantList, params=_params(limit=limit, cursor=cursor)))

    def get_tenant(self, tenant_id: uuid.UUID | str):
        return self._run(Call("GET", f"/v1/admin/tenants/{tenant_id}", m.TenantSummary))

    def suspend_tenant(self, tenant_id: uuid.UUID | str):
        """Its keys answer 403 `tenant-suspended`; its queued jobs wait, its running ones go on."""
        return self._run(Call("POST", f"/v1/admin/tenants/{tenant_id}/suspend", m.TenantSummary))

    def resume_tenant(self, tenant_id: uuid.UUID | str):
        return self._run(Call("POST", f"/v1/admin/tenants/{tenant_id}/resume", m.TenantSummary))

    def issue_tenant_api_key(self, tenant_id: uuid.UUID | str, name: str, *, expires_at: str | None = None):
        return self._run(Call("POST", f"/v1/admin/tenants/{tenant_id}/api-keys", m.NewApiKey,
                              json=_key_body(name, expires_at), create=True))

    def tenant_api_keys(self, tenant_id: uuid.UUID | str, *, limit: int | None = None, cursor: str | None = None):
        return self._run(Call("GET", f"/v1/admin/tenants/{tenant_id}/api-keys", m.ApiKeyList,
                              params=_params(limit=limit, cursor=cursor)))

    def revoke_tenant_api_key(self, tenant_id: uuid.UUID | str, key_id: uuid.UUID | str):
        """Any of the tenant's keys, its last one too."""
        return self._run(Call("DELETE", f"/v1/admin/tenants/{tenant_id}/api-keys/{key_id}"))

    def credit_tenant(self, tenant_id: uuid.UUID | str, amount: str, *, idempotency_key: str | None = None):
        return self._run(Call("POST", f"/v1/admin/tenants/{tenant_id}/credit", m.Credited, json={"amount": amount},
                              create=True, idempotency_key=idempotency_key))

    def tenant_limits(self, tenant_id: uuid.UUID | str):
        return self._run(Call("GET", f"/v1/admin/tenants/{tenant_id}/limits", m.Limits))

    def set_tenant_limits(self, tenant_id: uuid.UUID | str, *, max_concurrent_jobs: int | None = None,
                          max_concurrent_accelerators: int | None = None):
        return self._run(Call("PUT", f"/v1/admin/tenants/{tenant_id}/limits", m.Limits, json={
            "max_concurrent_jobs": max_concurrent_jobs, "max_concurrent_accelerators": max_concurrent_accelerators}))

    def tenant_caps(self, tenant_id: uuid.UUID | str):
        """Each cap's override for the tenant (None: none), its default and the limit in force."""
        return self._run(Call("GET", f"/v1/admin/tenants/{tenant_id}/caps", m.TenantCaps))

    def set_tenant_caps(self, tenant_id: uuid.UUID | str, *, webhooks: int | None = None, topics: int | None = None,
                        subscriptions_per_topic: int | None = None, confirmation_emails_per_hour: int | None = None,
                        open_jobs: int | None = None):
        """Replace the tenant's overrides, all five: one left None has the default."""
        return self._run(Call("PUT", f"/v1/admin/tenants/{tenant_id}/caps", m.TenantCaps, json={
            "webhooks": webhooks, "topics": topics, "subscriptions_per_topic": subscriptions_per_topic,
            "confirmation_emails_per_hour": confirmation_emails_per_hour, "open_jobs": open_jobs}))

    def adjust_tenant(self, tenant_id: uuid.UUID | str, amount: str, reason: str, *, kind: str | None = None,
                      idempotency_key: str | None = None):
        """A signed correction of the balance (the answer is untyped in the API: a dict)."""
        return self._run(Call("POST", f"/v1/admin/tenants/{tenant_id}/adjustments",
                              json=_params(amount=amount, reason=reason, kind=kind), create=True,
                              idempotency_key=idempotency_key))

    def void_charge(self, charge_id: uuid.UUID | str, reason: str):
        return self._run(Call("POST", f"/v1/admin/charges/{charge_id}/void", m.Charge, json={"reason": reason}))

    def margins(self, month: str):
        return self._run(Call("GET", "/v1/admin/margins", m.Margins, params={"month": month}))

    def audit(self, *, tenant_id: uuid.UUID | str | None = None, action: str | None = None,
              since: str | None = None, until: str | None = None, limit: int | None = None, cursor: str | None = None):
        """The gateway's audit log of every write through it, newest first; `since` inclusive, `until` exclusive."""
        return self._run(Call("GET", "/v1/admin/audit", m.AuditList, params=_params(
            tenant_id=tenant_id, action=action, limit=limit, cursor=cursor, **{"from": since, "to": until})))

    def billing_audit(self, *, tenant_id: uuid.UUID | str | None = None, limit: int | None = None):
        """Billing's own trail of money actions, with their amounts (untyped in the API: a dict; one page, the
        newest `limit`)."""
        return self._run(Call("GET", "/v1/admin/billing-audit", params=_params(tenant_id=tenant_id, limit=limit)))

    def all_package_offers(self):
        return self._run(Call("GET", "/v1/admin/package-offers", m.OfferList))

    def create_package_offer(self, offer: dict[str, Any]):
        return self._run(Call("POST", "/v1/admin/package-offers", m.Offer, json=offer, create=True))

    def set_package_offer_active(self, offer_id: uuid.UUID | str, active: bool):
        return self._run(Call("PATCH", f"/v1/admin/package-offers/{offer_id}", m.Offer, json={"active": active}))

    def price_book(self):
        return self._run(Call("GET", "/v1/admin/price-book", m.PriceBook))

    def set_price_book(self, book: dict[str, Any]):
        return self._run(Call("PUT", "/v1/admin/price-book", m.PriceBook, json=book))

    def vendor_health(self):
        return self._run(Call("GET", "/v1/admin/vendors", m.VendorStateList))

    def catalog(self, *, kind: str | None = None):
        return self._run(Call("GET", "/v1/admin/flavors", m.FlavorList, params=_params(kind=kind)))

    def queue(self, *, limit: int | None = None):
        return self._run(Call("GET", "/v1/admin/queue", m.QueueList, params=_params(limit=limit)))

    def refresh_catalog(self, vendor: str):
        return self._run(Call("POST", f"/v1/admin/vendors/{vendor}/catalog/refresh", m.CatalogRefresh))

    def dead_letters(self, *, limit: int | None = None, cursor: str | None = None):
        return self._run(Call("GET", "/v1/admin/dead-letters", m.DeadLetterList,
                              params=_params(limit=limit, cursor=cursor)))

    def get_dead_letter(self, dead_letter_id: int):
        return self._run(Call("GET", f"/v1/admin/dead-letters/{dead_letter_id}", m.DeadLetterDetail))

    def retry_dead_letter(self, dead_letter_id: int):
        return self._run(Call("POST", f"/v1/admin/dead-letters/{dead_letter_id}/retry", m.Republished))

    def drop_dead_letter(self, dead_letter_id: int):
        return self._run(Call("DELETE", f"/v1/admin/dead-letters/{dead_letter_id}"))


class SseLines:
    """Server-Sent Events read line by line: the `data` of each event, until the `end` event (its data the
    job's terminal status, kept in `ended`) or an `error` event (its data a problem, kept in `error` as the
    ApiError it is). Comments (keep-alives) and unknown fields are skipped, as the standard says."""

    def __init__(self) -> None:
        self.ended: str | None = None
        self.error: ApiError | None = None  # the stream ended with an `error` event (its data a problem)
        self._event, self._data = "message", []

    def feed(self, line: str) -> list[str]:
        """The log lines a line of the stream completes (none until a blank line ends an event)."""
        if line == "":
            event, lines = self._event, self._data
            self._event, self._data = "message", []
            if not lines:  # [standard] an event without data is not dispatched (a comment's blank line)
                return []
            data = "\n".join(lines)
            if event == "end":
                self.ended = data
                return []
            if event == "error":
                try:
                    problem = json_module.loads(data)
                except ValueError:
                    problem = data
                status = problem.get("status") if isinstance(problem, dict) else None
                self.error = ApiError.from_response(status if isinstance(status, int) else 502, problem)
                self.ended = "error"
                return []
            return [data] if event == "message" else []
        if line.startswith(":"):
            return []
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        return []


def _stream_error(response: httpx.Response, body: bytes) -> ApiError:
    try:
        data = json_module.loads(body)
    except ValueError:
        data = body.decode(errors="replace")
    return ApiError.from_response(response.status_code, data, response.reason_phrase)


def _auth_headers(api_key: str | None, user_agent: str) -> dict[str, str]:
    headers = {"User-Agent": user_agent, "Accept": "application/json"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    return headers


class _Iterators:
    """`iter_<listing>`: every item of a paged listing, page after page (`page_size` items a request, the API's
    default when None). A generator for `Client`, an async generator for `AsyncClient`. The listings that do not
    page (flavors, quotes, job events, the operator's package offers, billing's audit trail) come whole."""

    def _each(self, listing: Callable[..., Any], *args: Any, **filters: Any) -> Any:
        raise NotImplementedError

    def iter_jobs(self, *, status: str | None = None, kind: str | None = None, page_size: int | None = 100):
        """Every job, newest first."""
        return self._each(self.list_jobs, status=status, kind=kind, limit=page_size)

    def iter_usage(self, *, page_size: int | None = None, **filters: Any):
        """Every charge matching the filters (`job_id`, `since`, `until`)."""
        return self._each(self.usage, limit=page_size, **filters)

    def iter_package_offers(self, *, page_size: int | None = None):
        return self._each(self.package_offers, limit=page_size)

    def iter_packages(self, *, page_size: int | None = None):
        return self._each(self.packages, limit=page_size)

    def iter_webhooks(self, *, page_size: int | None = None):
        return self._each(self.webhooks, limit=page_size)

    def iter_deliveries(self, webhook_id: uuid.UUID | str, *, page_size: int | None = None, **filters: Any):
        return self._each(self.deliveries, webhook_id, limit=page_size, **filters)

    def iter_event_types(self, *, page_size: int | None = None):
        return self._each(self.event_types, limit=page_size)

    def iter_topics(self, *, page_size: int | None = None):
        return self._each(self.topics, limit=page_size)

    def iter_subscriptions(self, topic_id: uuid.UUID | str, *, page_size: int | None = None):
        return self._each(self.subscriptions, topic_id, limit=page_size)

    def iter_api_keys(self, *, page_size: int | None = None):
        return self._each(self.api_keys, limit=page_size)

    def iter_tenants(self, *, page_size: int | None = None):
        return self._each(self.tenants, limit=page_size)

    def iter_tenant_api_keys(self, tenant_id: uuid.UUID | str, *, page_size: int | None = None):
        return self._each(self.tenant_api_keys, tenant_id, limit=page_size)

    def iter_audit(self, *, page_size: int | None = None, **filters: Any):
        """Every audit record matching the filters (`tenant_id`, `action`, `since`, `until`), newest first."""
        return self._each(self.audit, limit=page_size, **filters)

    def iter_dead_letters(self, *, page_size: int | None = None):
        return self._each(self.dead_letters, limit=page_size)


class Client(_Iterators, _Routes):
    """Synchronous client. `api_key` is a tenant's key, or the operator's admin token for the admin routes."""

    def __init__(self, base_url: str = DEFAULT_URL, api_key: str | None = None, *, timeout: float = 30.0,
                 retry: RetryPolicy = RetryPolicy(), transport: httpx.BaseTransport | None = None,
                 sleep=time.sleep):
        self.retry, self._sleep = retry, sleep
        self._http = httpx.Client(base_url=base_url, headers=_auth_headers(api_key, "switchyard-client"),
                                  timeout=timeout, transport=transport)

    def _run(self, call: Call) -> Any:
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._http.request(call.method, call.path, params=call.params, json=call.json,
                                              content=call.content,
                                              headers=call.request_headers())
            except httpx.TransportError as exc:
                raise ApiUnreachable(f"cannot reach {self._http.base_url}: {exc}") from exc
            if call.retries and response.status_code in RETRY_STATUSES:
                wait = self.retry.wait_s(attempt, response.headers.get("Retry-After"))
                if wait is not None:
                    self._sleep(wait)
                    continue
            return _result(call, response)

    def _follow(self, call: Call) -> Iterator[str]:
        """The lines of a followed log as they come (see `SseLines`)."""
        parser = SseLines()
        try:
            with self._http.stream(call.method, call.path, params=call.params, headers=call.request_headers(),
                                   timeout=httpx.Timeout(self._http.timeout.connect, read=None)) as response:
                if response.status_code >= 400:
                    raise _stream_error(response, response.read())
                for line in response.iter_lines():
                    yield from parser.feed(line)
                    if parser.error is not None:
                        raise parser.error
                    if parser.ended is not None:
                        return
        except httpx.TransportError as exc:
            raise ApiUnreachable(f"cannot reach {self._http.base_url}: {exc}") from exc

    def pages(self, listing: Callable[..., m.ApiModel], *args: Any, **filters: Any) -> Iterator[Any]:
        """Each page of a paged listing (`client.pages(client.webhooks)`), from `cursor` (or the first) to the
        last, following `next_cursor`."""
        cursor = filters.pop("cursor", None)
        while True:
            page = listing(*args, cursor=cursor, **filters)
            yield page
            if not (cursor := page.next_cursor):
                return

    def _each(self, listing: Callable[..., m.ApiModel], *args: Any, **filters: Any) -> Iterator[Any]:
        for page in self.pages(listing, *args, **filters):
            yield from page.items

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class AsyncClient(_Iterators, _Routes):
    """Asynchronous client: the same methods as `Client`, each awaited."""

    def __init__(self, base_url: str = DEFAULT_URL, api_key: str | None = None, *, timeout: float = 30.0,
                 retry: RetryPolicy = RetryPolicy(), transport: httpx.AsyncBaseTransport | None = None,
                 sleep=asyncio.sleep):
        self.retry, self._sleep = retry, sleep
        self._http = httpx.AsyncClient(base_url=base_url, headers=_auth_headers(api_key, "switchyard-client"),
                                       timeout=timeout, transport=transport)

    async def _run(self, call: Call) -> Any:
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self._http.request(call.method, call.path, params=call.params, json=call.json,
                                                    content=call.content,
                                                    headers=call.request_headers())
            except httpx.TransportError as exc:
                raise ApiUnreachable(f"cannot reach {self._http.base_url}: {exc}") from exc
            if call.retries and response.status_code in RETRY_STATUSES:
                wait = self.retry.wait_s(attempt, response.headers.get("Retry-After"))
                if wait is not None:
                    await self._sleep(wait)
                    continue
            return _result(call, response)

    async def _follow(self, call: Call) -> AsyncIterator[str]:
        """The lines of a followed log as they come (see `SseLines`)."""
        parser = SseLines()
        try:
            async with self._http.stream(call.method, call.path, params=call.params, headers=call.request_headers(),
                                         timeout=httpx.Timeout(self._http.timeout.connect, read=None)) as response:
                if response.status_code >= 400:
                    raise _stream_error(response, await response.aread())
                async for line in response.aiter_lines():
                    for text in parser.feed(line):
                        yield text
                    if parser.error is not None:
                        raise parser.error
                    if parser.ended is not None:
                        return
        except httpx.TransportError as exc:
            raise ApiUnreachable(f"cannot reach {self._http.base_url}: {exc}") from exc

    async def pages(self, listing: Callable[..., Any], *args: Any, **filters: Any) -> AsyncIterator[Any]:
        """Each page of a paged listing, as `Client.pages`."""
        cursor = filters.pop("cursor", None)
        while True:
            page = await listing(*args, cursor=cursor, **filters)
            yield page
            if not (cursor := page.next_cursor):
                return

    async def _each(self, listing: Callable[..., Any], *args: Any, **filters: Any) -> AsyncIterator[Any]:
        async for page in self.pages(listing, *args, **filters):
            for item in page.items:
                yield item

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()
