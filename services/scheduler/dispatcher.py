"""The dispatcher: takes due jobs from Switchyard's queue, in priority order and, within a priority, tenants
in turn (`fair_share`: no tenant's backlog holds back another's first job), and tries their candidate flavors
one at a time.

A job that cannot start now (tenant limits, no free capacity anywhere) stays queued with its reason and
is tried again later; jobs behind it that can start do start (best-effort FIFO, as Kueue calls it).
"""

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from contracts.catalog import Exclusion, VendorFlavor
from contracts.events import JobPlacementAttempted, JobRejected, JobSubmitted, VendorHealthChanged
from contracts.jobs import JobSpec
from services.common.group_commit import GroupCommit
from services.common.logs import log
from services.common.runtime import Runtime
from services.common.tracing import current_traceparent, span_from_traceparent
from services.common.unit_of_work import unit_of_work
from services.common.wakeup import Wakeup
from services.scheduler import metrics, store
from services.scheduler.billing_client import BillingClient, BillingUnavailable, Terms
from services.scheduler.catalog import Catalog
from services.scheduler.fair_share import PER_TENANT_BATCH
from services.scheduler.health import VendorHealth
from services.scheduler.placement import (
    Limits, Outcome, Wants, classify, covering_package, ever_placeable, excluded_all, excluded_for_funds,
    exclusion_after, order, reaction_to, rejection_message, screen, unreadable_vendors, vendor_job_name,
    waiting_reason, within_limits,
)
from services.vendors import errors
from services.vendors.base import SubmitRequest, VendorAdapter

LEASE_S = 120.0  # longer than the slowest placement: a crashed dispatcher's jobs come back after it
BATCH = 512
CONCURRENCY = 24  # vendor submissions in flight at once (different jobs; one job is never tried twice at once)
RETRY_QUEUED_S = 5.0  # a queued job is tried again this often, or sooner when capacity frees up


@dataclass
class Usage:
    """A tenant's limits and what it runs, as the batch goes on (its jobs are placed one at a time)."""
    limits: Limits
    jobs: int
    accelerators: int


@dataclass(frozen=True)
class Due:
    """A job leased from the queue, its spec read once."""
    row: asyncpg.Record
    spec: JobSpec
    wants: Wants

    @classmethod
    def of(cls, row: asyncpg.Record) -> "Due":
        spec = JobSpec.model_validate(row["spec"])
        return cls(row, spec, Wants.of(spec))


@dataclass(frozen=True)
class Offer:
    flavors: list[VendorFlavor]
    unreadable: list[Exclusion]  # vendors running the kind that listed no flavors
    terms: dict[uuid.UUID, dict[tuple[str, str], Terms]] | None  # per tenant; None: billing did not answer


@dataclass(frozen=True)
class Batch:
    usage: dict[uuid.UUID, Usage]
    offers: dict[tuple[str, int], Offer]  # by (kind, instances)


class Dispatcher:
    def __init__(self, adapters: dict[str, VendorAdapter], catalog: Catalog, health: VendorHealth,
                 billing: BillingClient, admission_minutes: int):
        self._adapters, self._catalog, self._health, self._billing = adapters, catalog, health, billing
        self._admission_minutes = admission_minutes
        self._vendor_calls = asyncio.Semaphore(CONCURRENCY)
        self._submissions: GroupCommit[store.Submission] | None = None  # written together (group commit)

    async def run(self, runtime: Runtime) -> None:
        self._wake = Wakeup(runtime.pool, "scheduler_queue")
        try:
            while True:
                self._wake.clear()
                claimed, tenant_share_full = await self.dispatch_once(runtime)
                # A batch holds at most `fair_share.PER_TENANT_BATCH` jobs of one tenant: a short batch in which
                # some tenant had its full share does not mean the queue is drained.
                if claimed < BATCH and not tenant_share_full:
                    await self._wake.wait(1.0)
        finally:
            await self._wake.close()

    async def dispatch_once(self, runtime: Runtime) -> tuple[int, bool]:
        """Place one batch; how many jobs it claimed, and whether a tenant had its full share of it."""
        due = [Due.of(row) for row in await store.claim_due(runtime.pool, BATCH, LEASE_S)]
        if not due:
            return 0, False
        batch = await self._prepare(runtime, due)
        by_tenant: dict[uuid.UUID, list[Due]] = {}
        for job in due:  # claim_due returned them in queue order
            by_tenant.setdefault(job.row["tenant_id"], []).append(job)

        async def tenant_jobs(jobs: list[Due]) -> None:
            # One tenant's jobs go one at a time, so its limits are counted against settled numbers.
            for job in jobs:
                try:
                    await self.place(runtime, job, batch)
                except Exception:
                    log.exception("scheduler.place_failed", job_id=str(job.row["job_id"]))

        await asyncio.gather(*(tenant_jobs(placements) for placements in by_tenant.values()))
        return len(due), any(len(jobs) >= PER_TENANT_BATCH for jobs in by_tenant.values())

    async def _prepare(self, runtime: Runtime, due: list[Due]) -> Batch:
        """What the batch's jobs need, read once for all of them: their tenants' limits and usage, the
        flavors of each kind, and billing's terms (prices, admission, packages) for every tenant."""
        tenants = list({job.row["tenant_id"]: None for job in due})
        usage = {tenant: Usage(*row) for tenant, row in (await store.tenants_usage(runtime.pool, tenants)).items()}
        asking: dict[tuple[str, int], dict[uuid.UUID, None]] = {}  # (kind, instances) -> tenants, in order
        for job in due:
            asking.setdefault((job.wants.kind, job.wants.instances), {})[job.row["tenant_id"]] = None
        offers: dict[tuple[str, int], Offer] = {}
        for (kind, instances), tenants_asking in asking.items():
            flavors = await self._catalog.flavors(runtime.pool, kind)
            try:
                terms = await self._billing.placement_terms(list(tenants_asking), flavors, instances,
                                                            self._admission_minutes)
            except BillingUnavailable:
                terms = None
            unreadable = unreadable_vendors(self._catalog.vendors_running(kind), flavors)
            offers[(kind, instances)] = Offer(flavors, unreadable, terms)
        return Batch(usage, offers)

    async def place(self, runtime: Runtime, job: Due, batch: Batch) -> None:
        """Place one job, in the trace of the request that queued it."""
        with span_from_traceparent("place job", job.row["traceparent"], **{"switchyard.job_id": str(job.row["job_id"])}):
            await self._place(runtime, job, batch)

    async def _place(self, runtime: Runtime, job: Due, batch: Batch) -> None:
        placement, spec, wants = job.row, job.spec, job.wants
        job_id, tenant_id = placement["job_id"], placement["tenant_id"]

        offer = batch.offers[(wants.kind, wants.instances)]
        if offer.terms is None:  # billing did not answer: prices, and so order and constraints, are unknown
            await self._queue(runtime, placement, "billing_unavailable", [])
            return
        flavors, terms = offer.flavors, offer.terms[tenant_id]

        def sell_price(flavor: VendorFlavor) -> int:
            return terms[(flavor.vendor, flavor.flavor_id)].sell_price_per_hour

        usable, excluded = screen(flavors, wants, sell_price)
        excluded = offer.unreadable + excluded
        if not ever_placeable(flavors, wants, sell_price, frozenset(e.vendor for e in offer.unreadable)):
            rejected = JobRejected(job_id=job_id, tenant_id=tenant_id, reason="no_flavor", rejected_at=_now(),
                                   message=rejection_message(spec, excluded))
            async with unit_of_work(runtime.pool) as conn:
                await store.record_rejected(conn, rejected, [])
            return
        options = order(
            usable, sell_price=sell_price, degraded=self._health.degraded(),
            is_covered=lambda f: covering_package(f, terms[(f.vendor, f.flavor_id)].covered_by) is not None,
            lost_on=frozenset(placement["lost_on"]))

        usage = batch.usage[tenant_id]
        if not within_limits(usage.limits, usage.jobs, usage.accelerators, wants.accelerators):
            await self._queue(runtime, placement, "quota", [], excluded=excluded + excluded_all(options, "quota"))
            return

        attempts: list[JobPlacementAttempted] = []
        health_events: list[VendorHealthChanged] = []
        admitted = [f for f in options if terms[(f.vendor, f.flavor_id)].admitted]
        excluded += excluded_for_funds(options, admitted)
        for flavor in admitted:
            attempt_no = placement["attempts"] + len(attempts) + 1
            try:
                async with self._vendor_calls:
                    vendor_job = await self._adapters[flavor.vendor].submit(SubmitRequest(
                        name=vendor_job_name(job_id, placement["resubmits"]), kind=spec.kind, image=spec.image,
                        command=spec.command, env=spec.env, flavor_id=flavor.flavor_id, node_count=wants.nodes,
                        max_runtime_s=spec.max_runtime_s, task=spec.task, storage_gb=spec.storage_gb,
                        replicas=spec.replicas or 1, model=spec.model,
                        inputs=tuple(spec.inputs), outputs=tuple(spec.outputs),
                    ))
            except errors.VendorError as exc:
                outcome = classify(exc)
                metrics.placed(flavor.vendor, outcome)
                attempts.append(_attempt(placement, attempt_no, flavor, outcome, str(exc)))
                refused = exclusion_after(outcome)
                if refused is not None:
                    excluded.append(Exclusion(vendor=flavor.vendor, flavor=flavor.flavor_id, reason=refused))
                log.info("scheduler.attempt_failed", job_id=str(job_id), vendor=flavor.vendor,
                         flavor=flavor.flavor_id, outcome=outcome, error=str(exc))
                reaction = reaction_to(outcome)
                if reaction.reread_catalog:
                    self._catalog.invalidate(flavor.vendor)
                if reaction.degrade_vendor and self._health.degrade(flavor.vendor):
                    health_events.append(VendorHealthChanged(
                        vendor=flavor.vendor, health="degraded", reason=str(exc), changed_at=_now(),
                        until=_now() + timedelta(seconds=self._health.cooldown_s)))
                if reaction.credentials_refused:
                    health_events.append(VendorHealthChanged(
                        vendor=flavor.vendor, health="auth_failed", reason=str(exc), changed_at=_now()))
                if reaction.reject is not None:
                    rejected = JobRejected(job_id=job_id, tenant_id=tenant_id, reason=reaction.reject,
                                           message=exc.message, rejected_at=_now())
                    async with unit_of_work(runtime.pool) as conn:
                        await store.record_rejected(conn, rejected, attempts, health_events)
                    return
                continue
            attempts.append(_attempt(placement, attempt_no, flavor, Outcome.SUBMITTED, None))
            submitted = JobSubmitted(
                job_id=job_id, tenant_id=tenant_id, kind=spec.kind, sequence=placement["sequence"],
                vendor=flavor.vendor, vendor_job_id=vendor_job.vendor_job_id, flavor=flavor.flavor_id,
                accelerator=flavor.accelerator, count=flavor.count * wants.instances,
                vendor_price_per_hour=flavor.price_per_hour * wants.instances,
                raw_status=vendor_job.raw_status, submitted_at=_now(), max_runtime_s=spec.max_runtime_s,
            )
            if self._submissions is None:
                self._submissions = GroupCommit(runtime.pool, store.record_submissions)
            await self._submissions.run(store.Submission(submitted, attempts, health_events, current_traceparent()))
            usage.jobs, usage.accelerators = usage.jobs + 1, usage.accelerators + submitted.count
            metrics.placed(flavor.vendor, Outcome.SUBMITTED)
            metrics.submitted_after(placement["requested_at"])
            log.info("scheduler.submitted", job_id=str(job_id), vendor=flavor.vendor, flavor=flavor.flavor_id)
            return
        await self._queue(runtime, placement, waiting_reason(options, admitted), attempts, health_events,
                          excluded=excluded)

    async def _queue(self, runtime: Runtime, placement, reason: str, attempts, extra=(), *,
                     excluded: list[Exclusion] = ()) -> None:
        async with unit_of_work(runtime.pool) as conn:
            await store.keep_queued(conn, placement, reason, RETRY_QUEUED_S, attempts, list(extra), list(excluded))


def _attempt(placement, attempt: int, flavor: VendorFlavor, outcome: Outcome, message: str | None):
    return JobPlacementAttempted(
        job_id=placement["job_id"], tenant_id=placement["tenant_id"], attempt=attempt, vendor=flavor.vendor,
        flavor=flavor.flavor_id, outcome=outcome, message=message, attempted_at=_now(),
    )


def _now() -> datetime:
    return datetime.now(UTC)
