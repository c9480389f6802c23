"""The document's time formats. Every naive time it shows is local time in UTC+8.

- ms epoch integers: package `createTime` / `updateTime`
- "YYYY-MM-DD HH:MM:SS": package `endTime`, `last_run_time`, `cronjob_start_time`, project `createTime`
- "YYYY-MM-DDTHH:MM:SS" (+ ".ffffff" on `changed_on`): task, pipeline and notebook `created_on` / `changed_on`
- "HH小时MM分钟": `elapsed_time`; "未知" (unknown) where a time is not known yet
"""

import calendar
from datetime import UTC, datetime, timedelta, timezone

CST = timezone(timedelta(hours=8))
UNKNOWN = "未知"


def _local(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(epoch_s, UTC).astimezone(CST)


def ms(epoch_s: float) -> int:
    return int(round(epoch_s * 1000))


def spaced(epoch_s: float | None) -> str:
    """ "2024-07-11 19:44:21", or 未知 for no time."""
    return UNKNOWN if epoch_s is None else _local(epoch_s).strftime("%Y-%m-%d %H:%M:%S")


def iso(epoch_s: float) -> str:
    return _local(epoch_s).strftime("%Y-%m-%dT%H:%M:%S")


def iso_micro(epoch_s: float) -> str:
    return _local(epoch_s).strftime("%Y-%m-%dT%H:%M:%S.%f")


def elapsed(seconds: float | None) -> str:
    """ "00小时05分钟" (minute granularity), or 未知 for a task that never ran."""
    if seconds is None:
        return UNKNOWN
    minutes = int(max(0.0, seconds) // 60)
    return f"{minutes // 60:02d}小时{minutes % 60:02d}分钟"


def add_cycles(epoch_s: float, cycle_type: str, count: int) -> float:
    """The end of `count` billing cycles ("Month" or "Year") from `epoch_s`, in calendar terms (UTC+8)."""
    start = _local(epoch_s)
    months = count * (12 if cycle_type.lower() == "year" else 1)
    year, month = divmod(start.month - 1 + months, 12)
    year, month = start.year + year, month + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day).timestamp()
