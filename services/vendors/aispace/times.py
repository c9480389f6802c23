"""AI Space's time formats: the document mixes ms-epoch integers (`createTime`, `updateTime`), "YYYY-MM-DD HH:MM:SS"
(`endTime`, `last_run_time`, project `createTime`), "YYYY-MM-DDTHH:MM:SS[.ffffff]" (`created_on`, `changed_on`) and
"未知" (unknown); `elapsed_time` ("HH小时MM分钟", list items only) is not read. Every naive time is local time in
UTC+8 (`createTime` 1720708152150 = 14:29:12Z is shown as 22:29:12). Read by the wire (job rows) and the catalog (package end times) alike."""

from datetime import UTC, datetime, timedelta, timezone

VENDOR_TZ = timezone(timedelta(hours=8))
_NO_TIME = ("", "未知", "--", "null", "none", "unknown")


def parse_time(value: object) -> datetime | None:
    """Any of the document's time formats -> tz-aware UTC; None for unknown, empty or unreadable values."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return _from_ms(value)
    text = str(value).strip()
    if text.lower() in _NO_TIME:
        return None
    if text.isdigit():
        return _from_ms(int(text))
    try:
        parsed = datetime.fromisoformat(text)  # both "T" and " " separators, with or without .ffffff
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=VENDOR_TZ)
    return parsed.astimezone(UTC)


def _from_ms(ms: float) -> datetime | None:
    return datetime.fromtimestamp(ms / 1000, UTC) if ms > 0 else None
