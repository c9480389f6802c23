"""Monthly statements: bounds, lines, totals, reconciliation, CSV."""

import csv
import io
import uuid
from datetime import UTC, datetime

import pytest

from services.billing import statements
from services.billing.statements import JobUsage, LedgerLine

JOB = uuid.UUID("22222222-2222-2222-2222-222222222222")


def test_month_bounds_in_utc():
    assert statements.month_bounds("2026-11") == (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    assert statements.month_bounds("2026-12")[1] == datetime(2027, 1, 1, tzinfo=UTC)
    for bad in ("2026-13", "2026-1", "november"):
        with pytest.raises(ValueError):
            statements.month_bounds(bad)


def build() -> statements.Statement:
    return statements.build(
        "2026-11", opening=10_000_000, closing=104_400_000, arrears=0,
        ledger=[LedgerLine(datetime(2026, 11, 2, tzinfo=UTC), "credit", 100_000_000, None, "credit"),
                LedgerLine(datetime(2026, 11, 9, tzinfo=UTC), "adjustment", -2_000_000, "adj-1", "debit: fix")],
        usage=[JobUsage(JOB, "modelarts", "snt9.1card", "ascend-910b", datetime(2026, 11, 3, tzinfo=UTC), minutes=6,
                        card_seconds=360, amount=3_600_000, shortfall=0, package_card_seconds=120)],
    )


def test_lines_in_time_order_with_usage_per_job_and_totals():
    s = build()
    assert [(line.kind, line.amount) for line in s.lines] == [
        ("credit", 100_000_000), ("usage", -3_600_000), ("adjustment", -2_000_000)]
    assert s.totals == {"credit": 100_000_000, "usage": -3_600_000, "adjustment": -2_000_000}
    assert s.reconciles


def test_a_statement_that_does_not_add_up_says_so():
    assert not statements.build("2026-11", opening=0, closing=1, arrears=0, ledger=[], usage=[]).reconciles


def test_json_has_decimal_strings_and_every_total():
    body = build().to_json(uuid.uuid4())
    assert body["opening_balance"] == "10.00" and body["closing_balance"] == "104.40"
    assert body["totals"]["usage"] == "-3.60" and body["totals"]["void"] == "0.00"
    usage = body["lines"][1]
    assert usage["reference"] == str(JOB) and usage["minutes"] == 6 and usage["card_hours"] == "0.10"
    assert "0.033333 card-hours from packages" in usage["description"]


def test_csv_has_one_row_per_line():
    rows = list(csv.DictReader(io.StringIO(build().to_csv())))
    assert [r["kind"] for r in rows] == ["credit", "usage", "adjustment"]
    assert rows[1]["amount"] == "-3.60" and rows[1]["currency"] == "CNY" and rows[1]["minutes"] == "6"
