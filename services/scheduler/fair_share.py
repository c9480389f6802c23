"""Fair share between tenants: the order in which the dispatcher serves queued jobs.

Within a priority, tenants take turns: every tenant's longest-due queued job comes before any tenant's second,
every second before any third, and so on; jobs of one turn go longest-due first. So a tenant's first job waits
behind at most one job of each other tenant (of its priority or a higher one), however long their backlogs are.

A job is due from its request until its first try, then from the end of each retry delay (`next_try_at`;
cleared, so the job is due from its request again, when a job ends and frees something). Ordering by that
rather than by the request alone keeps a tenant's backlog turning: its oldest jobs, due again after their delay,
would otherwise take every batch's share of the tenant and its newer jobs would never be tried.

Why turns (round robin by tenant) rather than Kueue's fair sharing by each tenant's share of what runs: Switchyard
has no nominal quotas or weights per tenant to measure a share against, so equal turns *is* the fair share here;
the order depends only on the queue itself (tenant, priority, since when a job is due), so `claim_due`'s SQL
computes the same order with a window function, and the gateway can show a job's place in it from its own read
model. What a tenant already runs is capped by its limits (`placement.within_limits`), not by the order.

`claim_due` applies the same rule in SQL (`row_number() OVER (PARTITION BY priority, tenant_id ...)`) and also
takes at most `PER_TENANT_BATCH` jobs of one tenant per batch: a tenant's jobs are placed one after the other
(its limits are counted as they go), so a batch lasts as long as its longest tenant's share, and the cap bounds
how long a newcomer's job waits for the batch before it to end (`take_batch` states the rule in Python).
"""

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

PER_TENANT_BATCH = 16  # a tenant's jobs in one batch; others' first jobs wait at most about this many placements


@dataclass(frozen=True)
class Queued:
    """What the order reads of a queued job."""
    job_id: uuid.UUID
    tenant_id: uuid.UUID
    priority: int  # higher first (contracts.jobs.PRIORITY_RANK)
    requested_at: datetime
    next_try_at: datetime | None = None  # the end of its retry delay, None: due since its request

    @property
    def due_since(self) -> datetime:
        return self.next_try_at or self.requested_at


@dataclass(frozen=True)
class Turn:
    """A job's key in the queue order: its priority, its turn within its tenant's jobs of that priority (1 for
    the tenant's longest due), then how long it has been due."""
    priority: int
    turn: int
    due_since: datetime
    job_id: uuid.UUID

    def key(self) -> tuple:
        return -self.priority, self.turn, self.due_since, self.job_id


J = TypeVar("J")


def turns(jobs: Iterable[Queued]) -> dict[uuid.UUID, Turn]:
    """Each job's turn: 1 for its tenant's longest-due job of its priority, 2 for the next, ..."""
    seen: dict[tuple[uuid.UUID, int], int] = {}
    out: dict[uuid.UUID, Turn] = {}
    for job in sorted(jobs, key=lambda j: (j.due_since, j.job_id)):
        n = seen[(job.tenant_id, job.priority)] = seen.get((job.tenant_id, job.priority), 0) + 1
        out[job.job_id] = Turn(job.priority, n, job.due_since, job.job_id)
    return out


def fair_order(jobs: Sequence[J], queued: Callable[[J], Queued] = lambda j: j) -> list[J]:
    """`jobs` in queue order: higher priority first; within a priority, tenants in turn (round robin), each
    turn longest due first. `queued` reads a job's `Queued` (identity by default)."""
    keyed = [(queued(j), j) for j in jobs]
    order = turns(q for q, _ in keyed)
    return [j for q, j in sorted(keyed, key=lambda pair: order[pair[0].job_id].key())]


def take_batch(jobs: Sequence[Queued], limit: int, per_tenant: int = PER_TENANT_BATCH) -> list[Queued]:
    """The jobs one claim takes: the first `limit` in queue order, at most `per_tenant` of each tenant (what
    `claim_due` does in SQL; here to state and test the rule)."""
    taken: dict[uuid.UUID, int] = {}
    batch = []
    for job in fair_order(jobs):
        if taken.get(job.tenant_id, 0) >= per_tenant:
            continue
        taken[job.tenant_id] = taken.get(job.tenant_id, 0) + 1
        batch.append(job)
        if len(batch) == limit:
            break
    return batch
