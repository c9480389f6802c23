"""What must hold after the chaos, as functions of what the API, the simulators and the receivers show. Each
returns the problems it found (empty: it holds), so a wait can retry until settled and then report them all."""

import re
from collections import Counter, defaultdict
from typing import Callable, Protocol

from tests.e2e.helpers import amount, expected_minutes, wait_for

TERMINAL_WEBHOOK = {"SUCCEEDED": "job.succeeded", "FAILED": "job.failed", "STOPPED": "job.stopped"}
_NAME = re.compile(r"sy-([0-9a-f]{32})")


def submitted_attempts(events: list[dict]) -> int:
    """A job's placements that reached its vendor, from its events."""
    return sum(1 for e in events if e["type"] == "attempt" and e["detail"].get("outcome") == "submitted")


def vendor_job_problems(job: dict, submitted_attempts: int, sim_jobs: dict[str, list[dict]]) -> list[str]:
    """One vendor job per placement: each name the scheduler gave this job's placements exists once, on all the
    simulators together, and there are as many as the job's submitted attempts; its last is on its vendor."""
    hex_id = job["id"].replace("-", "")
    names = Counter((vendor, row["name"]) for vendor, rows in sim_jobs.items() for row in rows
                    if (m := _NAME.search(row["name"])) and m.group(1) == hex_id)
    problems = [f"{job['id']}: vendor job {name} made {count} times on {vendor}"
                for (vendor, name), count in names.items() if count > 1]
    by_name = Counter(name for _, name in names)
    problems += [f"{job['id']}: vendor job {name} on several vendors" for name, count in by_name.items() if count > 1]
    if len(by_name) != submitted_attempts:
        problems.append(f"{job['id']}: {len(by_name)} vendor jobs for {submitted_attempts} placements: {sorted(names)}")
    if job.get("vendor") and not any(vendor == job["vendor"] for vendor, _ in names):
        problems.append(f"{job['id']}: no vendor job on its vendor {job['vendor']}")
    return problems


def charge_problems(job: dict, usage: dict, runs: int) -> list[str]:
    """One charge per started minute: no (minute, kind) twice; what is left once refunds are taken off is minutes
    0..n-1 of the job's run, all at one price; the charges sum to the usage total and to the job's cost."""
    items = usage["items"]
    problems = []
    keys = Counter((i["minute"], i["kind"]) for i in items)
    problems += [f"{job['id']}: {count} rows for minute {m} ({kind})" for (m, kind), count in keys.items() if count > 1]
    total = sum(amount(i["amount"]) for i in items)
    if total != amount(usage["total"]["amount"]):
        problems.append(f"{job['id']}: usage rows sum to {total}, its total says {usage['total']['amount']}")
    cost = amount((job.get("cost") or {}).get("amount") or "0")
    if total != cost:
        problems.append(f"{job['id']}: charged {total}, job cost {cost}")
    if runs > 1:
        return problems  # several runs: minute numbers go on across runs (billing/metering.py); the sums still hold
    charged = {i["minute"] for i in items if i["kind"] == "charge"}
    refunded = {i["minute"] for i in items if i["kind"] == "refund"}
    if not job.get("started_at"):
        if charged - refunded:
            problems.append(f"{job['id']}: never started, yet charged minutes {sorted(charged - refunded)}")
        return problems
    minutes = expected_minutes(job)
    if charged - refunded != set(range(minutes)):
        problems.append(f"{job['id']}: net charged minutes {sorted(charged - refunded)}, ran {minutes}")
    prices = {amount(i["amount"]) for i in items if i["kind"] == "charge"}
    if len(prices) > 1:
        problems.append(f"{job['id']}: minutes charged at several prices {sorted(prices)}")
    elif prices and total != minutes * prices.pop():
        problems.append(f"{job['id']}: charged {total} for {minutes} minutes")
    return problems


def webhook_problems(jobs: list[dict], deliveries: list[tuple[str, dict]]) -> list[str]:
    """Every terminal event delivered at least once; one webhook-id per event, and never one id for two events."""
    ids_per_event: dict[tuple, set[str]] = defaultdict(set)
    events_per_id: dict[str, set[tuple]] = defaultdict(set)
    for webhook_id, payload in deliveries:
        event = (payload["data"].get("job_id"), payload["type"], payload["timestamp"])
        ids_per_event[event].add(webhook_id)
        events_per_id[webhook_id].add(event)
    problems = [f"event {event} came with webhook-ids {sorted(ids)}" for event, ids in ids_per_event.items()
                if len(ids) > 1]
    problems += [f"webhook-id {wid} carried {sorted(events)}" for wid, events in events_per_id.items() if len(events) > 1]
    for job in jobs:
        wanted = TERMINAL_WEBHOOK[job["status"]]
        got = [event for event in ids_per_event if event[0] == job["id"] and event[1] == wanted]
        if len(got) != 1:
            problems.append(f"{job['id']}: {len(got)} {wanted} events delivered")
    return problems


class RunTenant(Protocol):
    """A tenant of a run as the checks read it: its API (answers retried through the faults) and its receiver."""

    id: str
    receiver: object  # a tests.e2e.receiver.VerifyingReceiver

    def get(self, path: str, **kwargs) -> dict: ...

    def jobs(self) -> dict[str, dict]: ...


def charges_and_balances(tenants: list[RunTenant], attempts: dict[str, int], credit: str) -> tuple[list[str], Counter]:
    """Every job's charges (`charge_problems`) and each tenant's balance drop equal to its jobs' costs; beside the
    problems, the charge rows counted by kind."""
    problems, charges = [], Counter()
    for tenant in tenants:
        costs = 0
        for job_id, job in tenant.jobs().items():
            usage = tenant.get("/v1/usage", params={"job_id": job_id, "limit": 1000})
            problems += charge_problems(job, usage, attempts[job_id])
            charges.update(i["kind"] for i in usage["items"])
            costs += amount((job.get("cost") or {}).get("amount") or "0")
        dropped = amount(credit) - amount(tenant.get("/v1/balance")["balance"])
        if dropped != costs:
            problems.append(f"tenant {tenant.id}: balance dropped {dropped}, jobs cost {costs}")
    return problems, charges


def webhooks_to_tenants(tenants: list[RunTenant], jobs: dict[str, dict], owner: dict) -> tuple[list[str], int]:
    """`webhook_problems` for each tenant's jobs at its receiver, and every signature verified; beside the problems,
    the deliveries counted."""
    problems, count = [], 0
    for tenant in tenants:
        deliveries = tenant.receiver.verified
        count += len(deliveries)
        problems += [f"signature refused: {r}" for r in tenant.receiver.refused]
        problems += webhook_problems([j for k, j in jobs.items() if owner[k] is tenant], deliveries)
    return problems, count


def settled(check: Callable[[], tuple[list[str], object]], *, timeout_s: float, interval_s: float, what: str):
    """Wait until `check` finds no problems (what the faults left in flight may still be arriving) and return what
    it counted; past the timeout, fail listing the problems."""
    try:
        return wait_for(lambda: (found := check()) and not found[0] and found, timeout_s=timeout_s,
                        interval_s=interval_s, what=what)[1]
    except AssertionError:
        raise AssertionError(f"{what}, not yet:\n" + "\n".join(check()[0])) from None
