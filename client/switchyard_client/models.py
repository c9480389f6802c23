"""Typed resources of the Switchyard API, as it answers them. Each keeps the JSON it was read from (`raw`), so
what the command line prints with `-o json` is exactly the API's JSON. tests/unit/test_cli_models_drift.py fails
when a model and the OpenAPI drift apart."""

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, PrivateAttr

JobStatusName = Literal["PENDING", "QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "STOPPED"]
TERMINAL_STATUSES = frozenset({"SUCCEEDED", "FAILED", "STOPPED"})


class ApiModel(BaseModel):
    _raw: Any = PrivateAttr(default=None)

    @classmethod
    def from_api(cls, data: Any):
        model = cls.model_validate(data)
        model._raw = data
        return model

    @property
    def raw(self) -> Any:
        """The JSON this resource was read from (or, for one built in code, its JSON form)."""
        return self._raw if self._raw is not None else self.model_dump(mode="json")


# Jobs ------------------------------------------------------------------------------------------------------------
class Money(ApiModel):
    amount: str
    currency: str = "CNY"


class Exclusion(ApiModel):
    """A vendor or flavor a placement left out, and why (`flavor` None: the whole vendor)."""
    vendor: str
    flavor: str | None
    reason: str


class Queue(ApiModel):
    reason: str
    position: int
    estimated_start_at: datetime | None  # an estimate; None when there is no basis
    excluded: list[Exclusion] = []


class DataMount(ApiModel):
    """A job's input or output: its name, where the data lives (a vendor's data URI or https) and its mount."""
    name: str
    uri: str
    mount: str


class Endpoint(ApiModel):
    type: Literal["jupyter", "ssh", "http"]
    url: str
    expires_at: datetime | None


class Invocations(ApiModel):
    count: int
    bytes: int


class Job(ApiModel):
    id: uuid.UUID
    kind: str
    name: str
    status: JobStatusName
    status_reason: str | None
    vendor: str | None
    vendor_job_id: str | None
    flavor: str | None
    resources: dict[str, Any]
    priority: str
    queue: Queue | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    cost: Money
    endpoints: list[Endpoint]
    invocations: Invocations
    outputs: list[DataMount] = []

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL_STATUSES


class JobList(ApiModel):
    items: list[Job]
    next_cursor: str | None


class JobEvent(ApiModel):
    position: int
    type: str
    from_status: JobStatusName | None
    to_status: JobStatusName | None
    raw_status: str | None
    reason: str | None
    vendor_time: datetime | None
    observed_at: datetime
    detail: dict[str, Any] | None = None


class JobEventList(ApiModel):
    items: list[JobEvent]
    next_cursor: str | None = None


class MetricSeries(ApiModel):
    name: str
    unit: str
    points: list[tuple[datetime, float]]

    @property
    def latest(self) -> tuple[datetime, float] | None:
        """The newest point (the API lists them oldest first), None for a series without points."""
        return self.points[-1] if self.points else None


class JobMetrics(ApiModel):
    series: list[MetricSeries]


# Catalog ---------------------------------------------------------------------------------------------------------
class Flavor(ApiModel):
    vendor: str
    flavor: str
    kind: str
    accelerator: str
    count: int
    cpu: int
    memory_gb: int
    price_per_hour: Money
    available: bool
    max_nodes: int


class FlavorList(ApiModel):
    items: list[Flavor]
    next_cursor: str | None = None


class Quote(ApiModel):
    vendor: str
    flavor: str
    price_per_hour: Money
    max_cost: Money | None
    covered_by: str | None


class QuoteList(ApiModel):
    items: list[Quote]
    excluded: list[Exclusion]


# Billing ---------------------------------------------------------------------------------------------------------
class Amount(ApiModel):
    amount: str
    currency: str = "CNY"


class Package(ApiModel):
    id: uuid.UUID
    offer_id: uuid.UUID
    accelerator: str | None
    unit: str
    granted: str
    remaining: str
    price: str
    currency: str = "CNY"
    priority: int
    purchased_at: datetime
    expires_at: datetime
    expired: bool


class PackageList(ApiModel):
    items: list[Package]
    next_cursor: str | None = None


class Credited(ApiModel):
    balance: str
    currency: str = "CNY"


class Balance(ApiModel):
    balance: str
    currency: str = "CNY"
    arrears: str
    overdraft: str
    packages: list[Package]


class Offer(ApiModel):
    id: uuid.UUID
    name: str
    accelerator: str | None
    card_hours: str | None
    credit: str | None
    price: str
    currency: str = "CNY"
    valid_days: int
    priority: int
    active: bool
    created_at: datetime


class OfferList(ApiModel):
    items: list[Offer]
    next_cursor: str | None = None  # always null for the operator's list, which is whole


class Charge(ApiModel):
    id: uuid.UUID
    job_id: uuid.UUID
    minute: int
    kind: str
    amount: str
    shortfall: str
    currency: str = "CNY"
    card_seconds: int
    package_id: uuid.UUID | None
    package_value: str
    list_amount: str
    vendor_cost: str
    reason: str | None
    created_at: datetime


class UsagePage(ApiModel):
    items: list[Charge]
    total: Amount
    next_cursor: str | None


class UsageGroup(ApiModel):
    key: str
    amount: str
    shortfall: str
    card_hours: str
    minutes: int


class GroupedUsage(ApiModel):
    group_by: str
    items: list[UsageGroup]
    total: Amount
    currency: str = "CNY"


class MarginLine(ApiModel):
    key: str
    revenue: str
    list_amount: str
    vendor_cost: str
    margin: str
    minutes: int


class DayMarginLine(MarginLine):
    day: date


class Margins(ApiModel):
    month: str
    currency: str = "CNY"
    by_vendor: list[MarginLine]
    by_tenant: list[MarginLine]
    by_vendor_day: list[DayMarginLine]
    total: MarginLine


class PriceBook(ApiModel):
    version: int | None
    markup: dict[str, Any]
    overrides: dict[str, Any]
    currency: str = "CNY"
    rules: list[str] = []


# Webhooks --------------------------------------------------------------------------------------------------------
class Webhook(ApiModel):
    id: uuid.UUID
    url: str
    event_types: list[str]
    status: Literal["enabled", "disabled"]
    disabled_at: datetime | None
    disabled_reason: str | None
    previous_secret_expires_at: datetime | None
    created_at: datetime


class WebhookCreated(Webhook):
    secret: str


class WebhookDetail(Webhook):
    failing_since: datetime | None
    breaker_open_until: datetime | None


class WebhookList(ApiModel):
    items: list[Webhook]
    next_cursor: str | None = None


class SecretRotated(ApiModel):
    secret: str
    previous_secret_expires_at: datetime


class Replayed(ApiModel):
    replayed: int


class TestSent(ApiModel):
    id: uuid.UUID
    event_type: str = "webhook.test"


class Attempt(ApiModel):
    attempt: int
    status_code: int | None
    latency_ms: int
    error: str | None
    at: datetime


class Delivery(ApiModel):
    id: uuid.UUID
    event_type: str
    status: Literal["pending", "delivered", "failed", "cancelled"]
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    next_attempt_at: datetime | None
    attempt_history: list[Attempt]


class DeliveryList(ApiModel):
    items: list[Delivery]
    next_cursor: str | None = None


class EventTypeList(ApiModel):
    items: list[dict[str, Any]]
    next_cursor: str | None = None


# Topics ----------------------------------------------------------------------------------------------------------
class Topic(ApiModel):
    id: uuid.UUID
    urn: str
    name: str
    event_types: list[str]
    created_at: datetime


class TopicList(ApiModel):
    items: list[Topic]
    next_cursor: str | None = None


class Published(ApiModel):
    message_id: str
    deliveries: int


class Subscription(ApiModel):
    id: uuid.UUID
    urn: str
    topic_id: uuid.UUID
    protocol: str
    endpoint: str
    filter_policy: dict[str, Any] | None
    status: Literal["unconfirmed", "confirmed"]
    created_at: datetime
    confirmed_at: datetime | None


class SubscriptionCreated(Subscription):
    signing_secret: str


class SubscriptionList(ApiModel):
    items: list[Subscription]
    next_cursor: str | None = None


# API keys --------------------------------------------------------------------------------------------------------
class ApiKey(ApiModel):
    id: uuid.UUID
    name: str
    prefix: str | None
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None


class NewApiKey(ApiKey):
    api_key: str  # shown in this answer only


class ApiKeyList(ApiModel):
    items: list[ApiKey]
    next_cursor: str | None


# Operator --------------------------------------------------------------------------------------------------------
class Tenant(ApiModel):
    id: uuid.UUID
    name: str
    api_key: str
    api_key_id: uuid.UUID


class Limits(ApiModel):
    max_concurrent_jobs: int | None = None
    max_concurrent_accelerators: int | None = None


class CapInForce(ApiModel):
    override: int | None  # the tenant's own limit; None: the default holds
    default: int
    limit: int  # in force: the override if set, else the default


class TenantCaps(ApiModel):
    webhooks: CapInForce
    topics: CapInForce
    subscriptions_per_topic: CapInForce
    confirmation_emails_per_hour: CapInForce
    open_jobs: CapInForce


CAP_NAMES = tuple(TenantCaps.model_fields)  # what `set_tenant_caps` takes and the CLI's --default names


class TenantSummary(ApiModel):
    id: uuid.UUID
    name: str
    status: Literal["active", "suspended"]
    status_changed_at: datetime | None
    created_at: datetime
    limits: Limits
    caps: TenantCaps


class TenantList(ApiModel):
    items: list[TenantSummary]
    next_cursor: str | None


class AuditRecord(ApiModel):
    id: int
    at: datetime
    actor: str  # "operator", or the id of the tenant's API key that acted
    action: str
    method: str
    target: str
    tenant_id: uuid.UUID | None
    status: int
    details: dict[str, Any]


class AuditList(ApiModel):
    items: list[AuditRecord]
    next_cursor: str | None


class VendorState(ApiModel):
    vendor: str
    healthy: bool


class VendorStateList(ApiModel):
    items: list[VendorState]


class QueuedJob(ApiModel):
    job_id: uuid.UUID
    tenant_id: uuid.UUID
    name: str
    kind: str
    priority: str
    reason: str
    position: int
    created_at: datetime


class QueueList(ApiModel):
    items: list[QueuedJob]


class CatalogRefresh(ApiModel):
    vendor: str
    requested_at: datetime


class DeadLetter(ApiModel):
    id: int
    origin: Literal["outbox", "consumer"]
    service: str
    consumer_group: str | None = None
    topic: str
    partition: int | None = None
    offset: int | None = None
    event_id: uuid.UUID | None = None
    event_type: str | None = None
    key: str | None = None
    headers: dict[str, str]
    error: str
    attempts: int
    parked_at: datetime
    payload_bytes: int
    payload_preview: str


class DeadLetterDetail(DeadLetter):
    payload_base64: str


class DeadLetterList(ApiModel):
    items: list[DeadLetter]
    next_cursor: str | None = None


class Republished(ApiModel):
    id: int
    topic: str
    partition: int
    offset: int
