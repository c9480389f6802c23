"""Per-minute metering: which minutes a job owes, and the final true-up when it ends.

Minute k of a job covers [started + 60k s, started + 60(k+1) s) and is charged as soon as it starts,
so a running job always has paid the minute it is in: the meter (store.jobs.advance_due) announces it
when its start has passed, and the rater books it. When the job ends it owes every minute it
started: ceil(duration / 60). Minutes charged beyond that (the end was observed late) are refunded
by a separate refund row; a charge is never edited. An operator's void is a third kind of row.

A job its vendor lost and Switchyard placed again has several runs (see runs.py). Minute numbers go
on across them: minute k of a run is minute `first` + k, where `first` (the job's minute_base) lies
past every minute an earlier run used, so charge ids never collide and each run is trued up alone.
"""

import hashlib
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

# Fixed forever: charge ids derive from it, and they are what makes a repeated charge collide.
CHARGE_NAMESPACE = uuid.UUID("5d0c6f1e-2b7a-4c1e-9a53-8f3b1c2d7e40")
_MINUTE_US = 60_000_000


class Kind(StrEnum):
    CHARGE = "charge"
    REFUND = "refund"
    VOID = "void"


def charge_id(job_id: uuid.UUID, minute: int, kind: Kind) -> uuid.UUID:
    return uuid.uuid5(CHARGE_NAMESPACE, f"{job_id}:{minute}:{kind}")


_NAMESPACE_BYTES = CHARGE_NAMESPACE.bytes


def charge_id_text(job_id: str, minute: int, kind: Kind) -> str:
    """charge_id as text, for a job id given as text: the same UUID (version 5, RFC 4122 variant), without
    building a UUID object per minute (uuid.uuid5 costs several times more, and a rater's batch books
    thousands of minutes)."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + f"{job_id}:{minute}:{kind}".encode()).digest()[:16])
    digest[6] = digest[6] & 0x0F | 0x50
    digest[8] = digest[8] & 0x3F | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _elapsed_us(start: datetime, end: datetime) -> int:
    delta = end - start
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def billable_minutes(started_at: datetime | None, finished_at: datetime) -> int:
    """ceil((finished - started) / 60): 0 if never started (or no time passed), 1 for 0 < d <= 60 s."""
    if started_at is None:
        return 0
    elapsed = _elapsed_us(started_at, finished_at)
    return -(-elapsed // _MINUTE_US) if elapsed > 0 else 0


def minutes_to_charge(due: range, charged: Collection[int]) -> list[int]:
    return [minute for minute in due if minute not in charged]


@dataclass(frozen=True)
class TrueUp:
    charge: list[int]
    refund: list[int]


def true_up(billable: int, charged: Collection[int], reversed_: Collection[int], first: int = 0) -> TrueUp:
    """True up the run whose minutes are numbered from `first`: charge every billable minute still
    missing; refund every charged minute past the end that was not already reversed (refunded, or
    voided by an operator). Minutes below `first` belong to earlier runs, settled already."""
    end = first + billable
    return TrueUp(
        charge=minutes_to_charge(range(first, end), charged),
        refund=sorted(m for m in charged if m >= end and m not in reversed_),
    )


def next_run_base(first: int, billable: int, next_minute: int) -> int:
    """Where the next run's minutes start once this run (numbered from `first`) ended with `billable`
    minutes: past what it owes, and past every minute the meter already announced (a late
    UsageMinute of the ended run must never land on a minute of the next one)."""
    return max(first + billable, next_minute)
