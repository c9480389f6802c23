"""When a queued job may start: an estimate from the jobs holding what it waits for.

A job waiting for capacity (`no_capacity`) waits behind the jobs on a vendor of its kind and accelerator class (on
the vendors it may use); a job over its tenant's limits (`quota`) waits behind its tenant's own jobs on a vendor;
a job waiting for funds or for billing has no basis (it waits for a top-up, not for a job to end). Each job it
waits behind frees room for one waiting job when it ends: at its start (now, while it still waits on its vendor)
plus its `max_runtime_s`, else plus the typical run time observed on its flavor. The jobs ahead of it in the queue
with the same wait take the rooms first, in order, each for its own `max_runtime_s` (else the typical run time of
the flavor whose room it takes). A room whose next end has no basis is left out; with no room left, there is no
estimate.

It is an estimate, never a promise: jobs end early or overrun, vendors run other accounts' jobs, a higher-priority
job may arrive, and one ending job may free room for several waiting jobs or for none.
"""

import heapq
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

WAITS_FOR_JOBS = ("no_capacity", "quota")  # the queue reasons a job ending can end


@dataclass(frozen=True)
class Queued:
    """A job in Switchyard's queue, as the estimate reads it."""
    job_id: uuid.UUID
    tenant_id: uuid.UUID
    kind: str
    accelerator: str
    vendors: frozenset[str] | None  # None: any vendor
    exclude_vendors: frozenset[str]
    reason: str
    position: int  # 1 = the next job tried
    max_runtime_s: int | None


@dataclass(frozen=True)
class OnVendor:
    """A job placed on a vendor and not ended."""
    tenant_id: uuid.UUID
    kind: str
    accelerator: str
    vendor: str
    flavor: str
    started_at: datetime | None  # None: waiting on its vendor, not running yet
    max_runtime_s: int | None


def waits_behind(job: Queued, other: OnVendor) -> bool:
    """Whether `other` holds room `job` waits for."""
    if job.reason == "quota":
        return other.tenant_id == job.tenant_id
    if job.reason == "no_capacity":
        return (other.kind == job.kind and other.accelerator == job.accelerator
                and (job.vendors is None or other.vendor in job.vendors) and other.vendor not in job.exclude_vendors)
    return False


def same_wait(job: Queued) -> tuple:
    """The jobs with the same key wait for the same room, in queue order: a tenant's own for `quota`, a kind
    and accelerator class for `no_capacity`."""
    return (job.reason, job.tenant_id) if job.reason == "quota" else (job.reason, job.kind, job.accelerator)


def run_time(max_runtime_s: int | None, flavor: str, typical: Mapping[str, timedelta]) -> timedelta | None:
    """How long a job is expected to run: its own bound, else what its flavor's jobs took; None: no basis."""
    if max_runtime_s is not None:
        return timedelta(seconds=max_runtime_s)
    return typical.get(flavor)


def estimated_start(now: datetime, job: Queued, on_vendors: list[OnVendor], queued: list[Queued],
                    typical: Mapping[str, timedelta]) -> datetime | None:
    """The estimated start of the queued `job`, no earlier than `now`; None when there is no basis. `on_vendors`
    and `queued` may hold any jobs (those it does not wait for are left out); `typical` is the observed run time
    per flavor."""
    return estimated_starts(now, [job], on_vendors, queued, typical)[job.job_id]


def estimated_starts(now: datetime, jobs: list[Queued], on_vendors: list[OnVendor], queued: list[Queued],
                     typical: Mapping[str, timedelta]) -> dict[uuid.UUID, datetime | None]:
    """`estimated_start` of each of `jobs`, by job id, in one pass per wait (a page of jobs at once)."""
    estimates: dict[uuid.UUID, datetime | None] = {job.job_id: None for job in jobs}
    lines: dict[tuple, list[Queued]] = {}  # each wait's queue, in order
    for other in sorted({q.job_id: q for q in [*queued, *jobs]}.values(), key=lambda q: q.position):
        lines.setdefault(same_wait(other), []).append(other)
    # Jobs of one wait that may use the same vendors wait behind the same holders: one walk down the line each.
    walks: dict[tuple, list[Queued]] = {}
    for job in jobs:
        if job.reason in WAITS_FOR_JOBS:
            walks.setdefault((same_wait(job), job.vendors, job.exclude_vendors), []).append(job)
    for (wait, _, _), wanted in walks.items():
        rooms = _rooms(now, [other for other in on_vendors if waits_behind(wanted[0], other)], typical)
        wanted_ids = {job.job_id for job in wanted}
        for member in lines[wait]:
            if not rooms:
                break  # no basis for it, nor for anyone behind it
            free_at, flavor = rooms[0]
            if member.job_id in wanted_ids:
                estimates[member.job_id] = free_at
            heapq.heappop(rooms)
            expected = run_time(member.max_runtime_s, flavor, typical)
            if expected is not None:
                heapq.heappush(rooms, (free_at + expected, flavor))
    return estimates


def _rooms(now: datetime, holders: list[OnVendor], typical: Mapping[str, timedelta]) -> list[tuple[datetime, str]]:
    """When each holder frees its room, and on which flavor, earliest first (a heap); holders with no basis are
    left out."""
    rooms = []
    for holder in holders:
        expected = run_time(holder.max_runtime_s, holder.flavor, typical)
        if expected is not None:
            rooms.append((max(now, (holder.started_at or now) + expected), holder.flavor))
    heapq.heapify(rooms)
    return rooms
