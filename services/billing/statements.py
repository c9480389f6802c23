"""Monthly statements: what moved a tenant's balance in one calendar month (UTC), without I/O.
Amounts are signed movements of the balance: a top-up is positive, usage negative.

Usage is one line per job and flavor it ran on (its minutes booked that month; a job its vendor
lost and Switchyard placed elsewhere has a line per flavor); every other movement of the balance —
top-ups, package purchases, adjustments, voids, arrears settled — is a line of its own. Opening
balance plus the lines equals the closing balance; `reconciles` says whether the ledger agrees.
"""

import csv
import io
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from contracts import money
from services.billing.packages import format_card_hours

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
KINDS = ("credit", "package_purchase", "usage", "adjustment", "void", "arrears_settlement")


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """'2026-11' -> [2026-11-01, 2026-12-01) in UTC."""
    match = _MONTH.match(month)
    if not match:
        raise ValueError("a month is written YYYY-MM")
    year, number = int(match[1]), int(match[2])
    start = datetime(year, number, 1, tzinfo=UTC)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=UTC)
    return start, end


@dataclass(frozen=True)
class LedgerLine:
    """One non-usage movement of the tenant's balance."""

    at: datetime
    kind: str
    amount: int
    reference: str | None
    description: str


@dataclass(frozen=True)
class JobUsage:
    job_id: uuid.UUID
    vendor: str
    flavor: str
    accelerator: str
    first_at: datetime
    minutes: int  # charged minus refunded
    card_seconds: int
    amount: int  # from the balance
    shortfall: int  # owed as arrears
    package_card_seconds: int  # drawn from card-hour packages


@dataclass(frozen=True)
class Line:
    at: datetime
    kind: str
    reference: str | None
    description: str
    amount: int
    minutes: int | None = None
    card_seconds: int | None = None


@dataclass(frozen=True)
class Statement:
    month: str
    start: datetime
    end: datetime
    opening: int
    closing: int
    lines: tuple[Line, ...]
    totals: dict[str, int]
    arrears: int  # owed at the end of the month

    @property
    def reconciles(self) -> bool:
        return self.opening + sum(line.amount for line in self.lines) == self.closing

    def to_json(self, tenant_id: uuid.UUID) -> dict:
        return {
            "tenant_id": str(tenant_id), "month": self.month, "currency": money.CURRENCY,
            "from": self.start.isoformat(), "to": self.end.isoformat(),
            "opening_balance": money.format_amount(self.opening),
            "closing_balance": money.format_amount(self.closing),
            "arrears": money.format_amount(self.arrears),
            "totals": {kind: money.format_amount(self.totals.get(kind, 0)) for kind in KINDS},
            "lines": [_line_json(line) for line in self.lines],
        }

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["date", "kind", "reference", "description", "minutes", "card_hours", "amount", "currency"])
        for line in self.lines:
            writer.writerow([line.at.isoformat(), line.kind, line.reference or "", line.description,
                             "" if line.minutes is None else line.minutes,
                             "" if line.card_seconds is None else format_card_hours(line.card_seconds),
                             money.format_amount(line.amount),
                             money.CURRENCY])
        return out.getvalue()


def _line_json(line: Line) -> dict:
    body = {"date": line.at.isoformat(), "kind": line.kind, "reference": line.reference,
            "description": line.description, "amount": money.format_amount(line.amount)}
    if line.minutes is not None:
        body["minutes"] = line.minutes
        body["card_hours"] = format_card_hours(line.card_seconds or 0)
    return body


def build(month: str, *, opening: int, closing: int, arrears: int, ledger: list[LedgerLine],
          usage: list[JobUsage]) -> Statement:
    start, end = month_bounds(month)
    lines = [Line(e.at, e.kind, e.reference, e.description, e.amount) for e in ledger]
    for job in usage:
        covered = f", {format_card_hours(job.package_card_seconds)} card-hours from packages" \
            if job.package_card_seconds else ""
        owed = f", {money.format_amount(job.shortfall)} owed" if job.shortfall else ""
        lines.append(Line(job.first_at, "usage", str(job.job_id),
                          f"{job.vendor} {job.flavor} ({job.accelerator}){covered}{owed}",
                          -job.amount, job.minutes, job.card_seconds))
    lines.sort(key=lambda line: (line.at, line.kind, line.reference or ""))
    totals: dict[str, int] = {}
    for line in lines:
        totals[line.kind] = totals.get(line.kind, 0) + line.amount
    return Statement(month, start, end, opening, closing, tuple(lines), totals, arrears)
