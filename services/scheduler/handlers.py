"""The scheduler's reactions to job commands: place and submit a requested job; stop a cancelled one.

The vendor call happens outside any database transaction (it may take seconds), so a crash can
fall between the vendor accepting a job and our commit. The redelivered command then submits again
under the same deterministic vendor-side name, and the adapter returns the job it already created.
"""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from contracts.events import Envelope, JobCancelRequested, JobRejected, JobRequested, JobSubmitted
from services.common.consumer import already_applied, apply_once
from services.common.logs import log
from services.common.runtime import RuntimeRef
from services.scheduler import store
from services.scheduler.catalog import FlavorCatalog
from services.scheduler.placement import candidates, vendor_job_name
from services.vendors import errors
from services.vendors.base import SubmitRequest, VendorAdapter, VendorFlavor

CONSUMER = "scheduler"
VENDOR_RETRIES = 3  # transient vendor failures tried this often before the job is rejected


class Scheduler:
    def __init__(self, runtime: RuntimeRef, adapter_factory: Callable[[str], VendorAdapter]):
        self._runtime = runtime
        self._adapter_factory = adapter_factory
        self._adapters: dict[str, VendorAdapter] = {}
        self._catalog: FlavorCatalog | None = None

    def _vendors(self) -> tuple[dict[str, VendorAdapter], FlavorCatalog]:
        if self._catalog is None:
            self._adapters = {v: self._adapter_factory(v) for v in self._runtime().settings.vendors}
            self._catalog = FlavorCatalog(self._adapters)
        return self._adapters, self._catalog

    async def handle(self, envelope: Envelope) -> None:
        rt = self._runtime()
        if await already_applied(rt.pool, store.SCHEMA, CONSUMER, envelope):
            return
        match envelope.data:
            case JobRequested() as event:
                outcome = await self._place(event)
                record = store.record_submitted if isinstance(outcome, JobSubmitted) else store.record_rejected
                await apply_once(rt.pool, store.SCHEMA, CONSUMER, envelope, lambda conn: record(conn, outcome))
                log.info("scheduler.placed", job_id=str(event.job_id), outcome=type(outcome).__name__,
                         vendor=getattr(outcome, "vendor", None), flavor=getattr(outcome, "flavor", None))
            case JobCancelRequested() as event:
                await self._cancel(event)
                await apply_once(rt.pool, store.SCHEMA, CONSUMER, envelope,
                                 lambda conn: store.record_cancel(conn, event.job_id))

    async def _place(self, event: JobRequested) -> JobSubmitted | JobRejected:
        adapters, catalog = self._vendors()
        spec = event.spec

        def rejected(reason: str, message: str) -> JobRejected:
            return JobRejected(job_id=event.job_id, tenant_id=event.tenant_id, reason=reason, message=message,
                               rejected_at=datetime.now(UTC))

        last_error: errors.VendorError | None = None
        for attempt in range(1, VENDOR_RETRIES + 1):
            options = candidates(await catalog.flavors(spec.kind), spec.resources)
            if not options:
                return rejected("no_flavor", f"No enabled vendor offers a {spec.kind} flavor with "
                                             f"{spec.resources.count} x {spec.resources.accelerator}.")
            transient = False
            for flavor in options:
                adapter = adapters[flavor.vendor]
                try:
                    job = await adapter.submit(self._request(event, flavor))
                except (errors.CapacityUnavailable, errors.QuotaExceeded) as exc:
                    log.info("scheduler.flavor_unavailable", vendor=flavor.vendor, flavor=flavor.flavor_id,
                             error=str(exc))
                    last_error = exc
                    continue
                except errors.InvalidRequest as exc:
                    return rejected("invalid_request", str(exc))
                except errors.AuthFailed as exc:
                    log.error("scheduler.vendor_auth_failed", vendor=flavor.vendor, error=str(exc))
                    return rejected("vendor_auth_failed", f"{flavor.vendor} refused our credentials.")
                except (errors.RateLimited, errors.VendorUnavailable) as exc:
                    last_error, transient = exc, True
                    continue
                return JobSubmitted(
                    job_id=event.job_id, tenant_id=event.tenant_id, kind=spec.kind, vendor=flavor.vendor,
                    vendor_job_id=job.vendor_job_id, flavor=flavor.flavor_id, accelerator=flavor.accelerator,
                    count=flavor.count, vendor_price_per_hour=flavor.price_per_hour, raw_status=job.raw_status,
                    submitted_at=datetime.now(UTC),
                )
            if not transient:
                return rejected("no_capacity", f"Every fitting flavor is full or over quota: {last_error}")
            delay = getattr(last_error, "retry_after_s", None) or 2.0 * attempt
            log.warning("scheduler.vendor_retry", attempt=attempt, delay_s=delay, error=str(last_error))
            await asyncio.sleep(delay)
        return rejected("vendor_unavailable", f"No vendor accepted the job: {last_error}")

    @staticmethod
    def _request(event: JobRequested, flavor: VendorFlavor) -> SubmitRequest:
        spec = event.spec
        return SubmitRequest(
            name=vendor_job_name(event.job_id), kind=spec.kind, image=spec.image, command=spec.command,
            env=spec.env, flavor_id=flavor.flavor_id, max_runtime_s=spec.max_runtime_s, task=spec.task,
            storage_gb=spec.storage_gb, replicas=spec.replicas or 1, model=spec.model,
        )

    async def _cancel(self, event: JobCancelRequested) -> None:
        placement = await store.placement(self._runtime().pool, event.job_id)
        if placement is None or placement["state"] != "submitted":
            return  # rejected jobs are already over
        adapters, _ = self._vendors()
        try:
            await adapters[placement["vendor"]].stop(placement["vendor_job_id"], placement["kind"])
        except errors.NotFound:
            log.warning("scheduler.cancel_vendor_job_gone", job_id=str(event.job_id))
        log.info("scheduler.stop_requested", job_id=str(event.job_id), vendor_job_id=placement["vendor_job_id"])
