"""When to try a request again: 429 and 503 only, a bounded number of times, waiting what `Retry-After` asks
(capped) or else an exponential backoff with jitter."""

import random
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from datetime import UTC, datetime

RETRY_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # tries in all, the first included
    base_s: float = 0.5
    max_wait_s: float = 30.0  # no single wait is longer, whatever Retry-After says

    def wait_s(self, attempt: int, retry_after: str | None, now: datetime | None = None) -> float | None:
        """Seconds to wait before try `attempt + 1` after try `attempt` (1-based) was answered with a retryable
        status, or None when no try is left."""
        if attempt >= self.attempts:
            return None
        asked = parse_retry_after(retry_after, now)
        if asked is not None:
            return min(asked, self.max_wait_s)
        return min(self.base_s * 2 ** (attempt - 1) * (1 + random.random() / 2), self.max_wait_s)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
