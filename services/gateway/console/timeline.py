"""A job's events as the console's timeline: one entry per event, with its headline, what it says beside that,
its tone (how it is coloured) and where it sits along the job's life."""

from dataclasses import dataclass
from datetime import datetime, timedelta

GOOD, BAD, WARN, INFO = "good", "bad", "warn", "info"
# How long after its end a job's page still follows it: its last minute's charge and stored log come after the end.
SETTLE_AFTER = timedelta(seconds=30)
_STATUS_TONES = {"SUCCEEDED": GOOD, "RUNNING": GOOD, "FAILED": BAD, "STOPPED": WARN}


@dataclass(frozen=True)
class Entry:
    at: datetime
    title: str
    detail: str
    tone: str
    offset: float  # 0 at the first event, 1 at the last: where its mark sits on the drawn line


def _describe(event: dict) -> tuple[str, str, str]:
    kind, detail = event["type"], event.get("detail") or {}
    if kind == "attempt":
        outcome = detail.get("outcome") or "tried"
        tone = GOOD if outcome in ("submitted", "accepted") else WARN
        words = f"{detail.get('vendor')} · {detail.get('flavor')} · {outcome}"
        return f"Placement attempt {detail.get('attempt', '')}".strip(), _join(words, event.get("reason")), tone
    if kind == "lost":
        words = f"{detail.get('vendor')} lost {detail.get('vendor_job_id')}: {detail.get('cause')}"
        return "Lost on its vendor", _join(words, event.get("raw_status") and f"vendor status {event['raw_status']}"), BAD
    if kind == "stop":
        return "Stop requested", event.get("reason") or "", WARN
    to_status = event.get("to_status") or "?"
    words = _join(event.get("raw_status") and f"vendor status {event['raw_status']}", event.get("reason"))
    return f"{event.get('from_status') or 'new'} → {to_status}", words, _STATUS_TONES.get(to_status, INFO)


def _join(*parts: str | None) -> str:
    return " — ".join(p for p in parts if p)


def entries(events: list[dict]) -> list[Entry]:
    """The events, oldest first, as timeline entries placed by time between the first and the last."""
    ordered = sorted(events, key=lambda e: (e["observed_at"], e["position"]))
    if not ordered:
        return []
    times = [datetime.fromisoformat(e["observed_at"]) for e in ordered]
    span = (times[-1] - times[0]).total_seconds()
    out = []
    for event, at in zip(ordered, times):
        title, detail, tone = _describe(event)
        offset = (at - times[0]).total_seconds() / span if span > 0 else 0.0
        out.append(Entry(at=at, title=title, detail=detail, tone=tone, offset=round(offset, 4)))
    return out


def settled(job: dict, now: datetime) -> bool:
    """Whether nothing more will change on an ended job's page: it ended `SETTLE_AFTER` ago or longer."""
    finished = job.get("finished_at")
    if job["status"] not in ("SUCCEEDED", "FAILED", "STOPPED") or not finished:
        return False
    return now - datetime.fromisoformat(finished) >= SETTLE_AFTER
