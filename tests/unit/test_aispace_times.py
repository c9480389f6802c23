"""AI Space's time formats: naive times are UTC+8, read into tz-aware UTC."""

from datetime import UTC, datetime

import pytest

from services.vendors.aispace.times import parse_time

# The document's own pair: createTime 1720708152150 is 2024-07-11 14:29:12.150Z, shown as 22:29:12 (UTC+8).
AT = datetime(2024, 7, 11, 14, 29, 12, 150000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1720708152150, AT),  # createTime / updateTime: ms epoch
        ("1720708152150", AT),
        ("2024-07-11 22:29:12", AT.replace(microsecond=0)),  # endTime, last_run_time
        ("2024-07-11T22:29:12", AT.replace(microsecond=0)),  # created_on
        ("2024-07-11T22:29:12.150000", AT),  # changed_on
        ("2024-07-11T14:29:12.150000+00:00", AT),  # an explicit offset wins
    ],
)
def test_every_format_reads_as_utc(value: object, expected: datetime) -> None:
    parsed = parse_time(value)
    assert parsed == expected
    assert parsed is not None and parsed.tzinfo is UTC


@pytest.mark.parametrize("value", [None, "", "未知", "--", 0, "garbage", "15 days ago", True])
def test_unknown_times_are_none(value: object) -> None:
    assert parse_time(value) is None
