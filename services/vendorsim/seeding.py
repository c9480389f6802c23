"""Bulk seeding, a simulator-only aid for benchmarks and tests: NOT a vendor API.

`POST /_sim/seed` takes a list of create bodies, each exactly as the vendor's own create endpoint takes
it, and runs every one through the same create code that endpoint runs (validation, naming, storage,
scheduler), without the HTTP round trip, the auth check or fault injection. The jobs are therefore
indistinguishable from jobs created through the create API, in every listing and detail.

    {"bodies": [<create body>, ...],   # one job each, created in this order
     "pending_s": 30,                  # optional: job i may start pending_s + spread_s * i / n after now
     "spread_s": 0}                    #   (instead of the simulator's configured pending time)

The answer lists `{"id", "name", "status", "ready_at"}` per job, in order: the vendor's job id, its
name, its raw status right after the create, and the epoch second from which it may start.
"""

from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException

SEED_PATH = "/_sim/seed"


@dataclass(frozen=True)
class SeedRequest:
    bodies: list[Any]
    pending_s: float | None
    spread_s: float

    def pending(self, index: int) -> float | None:
        """Job `index`'s pending time, or None for the simulator's configured one."""
        if self.pending_s is None:
            return None
        return self.pending_s + self.spread_s * index / max(1, len(self.bodies))


def parse_seed_request(raw: Any) -> SeedRequest:
    if not isinstance(raw, dict) or not isinstance(raw.get("bodies"), list):
        raise HTTPException(400, "the body must be {\"bodies\": [...], \"pending_s\"?, \"spread_s\"?}")
    pending_s, spread_s = raw.get("pending_s"), raw.get("spread_s", 0)
    for name, value in (("pending_s", pending_s), ("spread_s", spread_s)):
        if value is not None and (not isinstance(value, int | float) or value < 0):
            raise HTTPException(400, f"{name} must be a number >= 0")
    if spread_s and pending_s is None:
        raise HTTPException(400, "spread_s needs pending_s")
    return SeedRequest(raw["bodies"], None if pending_s is None else float(pending_s), float(spread_s or 0))


def seeded(vendor_job_id: Any, name: str, status: str, ready_at: float) -> dict[str, Any]:
    return {"id": vendor_job_id, "name": name, "status": status, "ready_at": ready_at}
