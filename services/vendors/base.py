"""The interface every vendor adapter implements, and the value types it speaks."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Literal

from contracts.catalog import VendorFlavor  # noqa: F401 - the one flavor type; adapters list it
from contracts.data import DataMount
from contracts.job_metrics import MetricSeries
from contracts.jobs import JobKind
from contracts.status import JobStatus
from services.vendors.errors import InvalidRequest, LogsUnsupported, MetricsUnsupported


@dataclass(frozen=True)
class SubmitRequest:
    name: str  # deterministic vendor-side name derived from the Switchyard job id
    kind: JobKind
    image: str
    command: str | None  # shell command string; notebooks and inference services may have none
    env: dict[str, str]
    flavor_id: str
    node_count: int = 1
    max_runtime_s: int | None = None
    # kind-specific, all optional (see contracts.jobs.JobSpec)
    task: str | None = None  # training: LLM task such as "sft", "dpo"
    storage_gb: int | None = None  # notebook
    replicas: int = 1  # inference
    model: str | None = None  # inference
    # Data in and out (contracts.data): each adapter maps them onto its vendor's own fields; placement has already
    # put the job on the vendor holding any vendor-held data.
    inputs: tuple[DataMount, ...] = ()
    outputs: tuple[DataMount, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)


EndpointType = Literal["jupyter", "ssh", "http"]


@dataclass(frozen=True)
class Endpoint:
    """Where a running workload answers: a notebook's page (jupyter), its SSH address (ssh), a service (http)."""

    type: EndpointType
    url: str
    expires_at: datetime | None = None  # tz-aware UTC; None when the vendor gives no end


@dataclass(frozen=True)
class ServiceAnswer:
    """A running service's answer to one call, as the vendor sent it."""

    status: int
    body: bytes
    content_type: str


@dataclass(frozen=True)
class VendorJob:
    vendor_job_id: str
    name: str
    raw_status: str  # the vendor's own status word, e.g. ModelArts phase "Running"
    # Normalized status; None when the vendor reports a status we do not know
    # (the caller then keeps the job's previous status).
    status: JobStatus | None
    reason: str | None  # vendor detail, e.g. ModelArts secondary_phase
    created_at: datetime | None  # tz-aware UTC
    started_at: datetime | None
    finished_at: datetime | None
    kind: JobKind = "training"
    # FAILED for a reason on the vendor's side (lost node, abnormal infrastructure), not the job's own:
    # Switchyard may place such a job again elsewhere.
    infrastructure_failure: bool = False
    # Where the workload answers, as the vendor reports it (notebooks, services); empty when it reports none.
    endpoints: tuple[Endpoint, ...] = ()


class VendorAdapter(ABC):
    """One vendor account. Methods raise `services.vendors.errors.VendorError` subclasses.

    A job is addressed by its vendor id and its kind: vendors keep training jobs, notebooks and
    inference services behind different endpoints. A kind the vendor does not run raises
    InvalidRequest.
    """

    vendor: ClassVar[str]
    can_list: ClassVar[bool]  # True when list_active() is supported
    calls_per_s: float | None = None  # the client-side rate limit on this account's calls, if any
    kinds: ClassVar[frozenset[str]] = frozenset({"training"})  # the kinds this vendor runs

    def check_kind(self, kind: str) -> None:
        """InvalidRequest for a kind of workload this vendor does not run (not in `kinds`)."""
        if kind not in self.kinds:
            raise InvalidRequest(self.vendor, f"{self.vendor} does not run {kind!r} workloads")

    @abstractmethod
    async def list_flavors(self, kind: JobKind = "training") -> list[VendorFlavor]: ...

    @abstractmethod
    async def submit(self, req: SubmitRequest) -> VendorJob:
        """Create the job. Idempotent by `req.name`: a retry returns the existing job."""

    @abstractmethod
    async def find_by_name(self, name: str, kind: JobKind = "training") -> VendorJob | None: ...

    @abstractmethod
    async def get(self, vendor_job_id: str, kind: JobKind = "training") -> VendorJob: ...

    async def list_active(self) -> list[VendorJob]:
        """Every non-terminal job of this account, of every kind it runs (all pages)."""
        raise NotImplementedError(f"{self.vendor} cannot list jobs")

    @abstractmethod
    async def stop(self, vendor_job_id: str, kind: JobKind = "training") -> None:
        """Stop the job. Stopping an already-terminal job is not an error."""

    async def delete(self, vendor_job_id: str, kind: JobKind = "training") -> None:
        """Remove an ended job from the vendor. Not every vendor's API can (see each adapter)."""
        raise NotImplementedError(f"{self.vendor} adapter cannot delete jobs")

    async def logs(self, vendor_job_id: str, kind: JobKind = "training", tail_lines: int = 1000) -> list[str]:
        """The job's latest output, its last `tail_lines` lines (none before it has written any). A vendor or
        kind whose API documents no log raises LogsUnsupported."""
        raise LogsUnsupported(self.vendor, f"{self.vendor} documents no log API for {kind} workloads")

    async def invoke(self, vendor_job_id: str, kind: JobKind, address: str, body: bytes, content_type: str,
                     timeout_s: float) -> ServiceAnswer:
        """POST `body` to a running inference service at `address` (its http endpoint, as this adapter reported it)
        with the account's own credentials; a 2xx answer is returned as it came, any other raises its typed error
        (`http_status` and `message` the vendor's). Not every vendor serves: InvalidRequest."""
        raise InvalidRequest(self.vendor, f"{self.vendor} adapter cannot call inference services")

    def check_invocable(self, kind: str) -> None:
        """InvalidRequest unless `kind` is a service this vendor runs (only inference services answer calls)."""
        self.check_kind(kind)
        if kind != "inference":
            raise InvalidRequest(self.vendor, f"a {kind} job takes no calls; only inference services do")

    async def metrics(self, vendor_job_id: str, kind: JobKind = "training") -> list[MetricSeries]:
        """The job's resource use as normalized series (contracts.job_metrics; none before it started). A vendor or
        kind whose API documents no job metrics raises MetricsUnsupported."""
        raise MetricsUnsupported(self.vendor, f"{self.vendor} documents no job metrics API for {kind} workloads")

    def share_rate_budget(self, pool) -> None:
        """Take the account's call rate from the budget every process calling it shares (`ratelimit.SharedBudget`,
        in PostgreSQL). Adapters without a client-side rate limit have nothing to share."""

    @abstractmethod
    async def aclose(self) -> None: ...
