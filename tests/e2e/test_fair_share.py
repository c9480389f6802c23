"""Fair share between tenants, through the whole stack: one tenant's backlog for a flavor does not hold back
another tenant's first job for it (`services/scheduler/fair_share.py`)."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import httpx
import pytest

from services.scheduler.fair_share import PER_TENANT_BATCH
from tests.e2e.helpers import wait_for
from tests.e2e.test_placement import EIGHT_CARDS, ONE_CARD, TWO_CARDS
from tests.e2e.test_walking_skeleton import training

pytestmark = pytest.mark.e2e

BACKLOG = 500
# Creates on ModelArts answer this much later once capacity is back, so the backlog is placed over seconds
# (one tenant's jobs go one at a time) and the other tenant's job arrives while most of it still waits.
CREATE_LATENCY_MS = 40


def job(name: str) -> dict:
    return training(name, SWITCHYARD_SIM_RUN_SECONDS="600") | {"placement": {"vendors": ["modelarts"]}}


@pytest.fixture
def other_tenant(stack, admin):
    created = admin.post("/v1/admin/tenants", json={"name": f"team-{uuid.uuid4().hex[:6]}"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert admin.post(f"/v1/admin/tenants/{body['id']}/credit", json={"amount": "100.00"}).status_code == 200
    with httpx.Client(base_url=stack.gateway, headers={"Authorization": f"Bearer {body['api_key']}"},
                      timeout=10) as client:
        yield client


def all_jobs(client) -> list[dict]:
    items, cursor = [], None
    while True:
        page = client.get("/v1/jobs", params={"limit": 200, **({"cursor": cursor} if cursor else {})}).json()
        items += page["items"]
        if not (cursor := page["next_cursor"]):
            return items


def placed_at(client, job_id: str) -> datetime:
    """When the scheduler placed the job: its submitted attempt."""
    events = client.get(f"/v1/jobs/{job_id}/events").json()["items"]
    submitted = [datetime.fromisoformat(e["observed_at"]) for e in events
                 if e["type"] == "attempt" and e["detail"]["outcome"] == "submitted"]
    assert submitted, f"job {job_id} has a vendor but no submitted attempt: {events[-3:]}"
    return submitted[-1]


TERMINAL = ("SUCCEEDED", "FAILED", "STOPPED")


def stop_all(*clients) -> None:
    """Leave the stack as it was: every job of the test stopped, so none holds a ModelArts slot. A cancel that
    crosses the job's placement can miss it, so whatever is still active is cancelled again."""
    def active():
        return [(c, j) for c in clients for j in all_jobs(c) if j["status"] not in TERMINAL]

    def cancel_active():
        left = active()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda cj: cj[0].post(f"/v1/jobs/{cj[1]['id']}/cancel"), left))
        return not left

    wait_for(cancel_active, timeout_s=600, interval_s=5, what="every job of the test stopped")


@pytest.fixture
def tenants(tenant, other_tenant, modelarts_faults):
    yield tenant, other_tenant
    modelarts_faults(sold_out=[ONE_CARD, TWO_CARDS, EIGHT_CARDS])  # nothing more is placed while stopping
    stop_all(tenant, other_tenant)


def test_a_tenants_first_job_starts_within_a_few_placements_of_another_tenants_backlog(tenants, modelarts_faults):
    backlogged, newcomer = tenants
    modelarts_faults(sold_out=[ONE_CARD, TWO_CARDS, EIGHT_CARDS])
    with ThreadPoolExecutor(8) as pool:
        posted = list(pool.map(lambda n: backlogged.post("/v1/jobs", json=job(f"backlog-{n}")), range(BACKLOG)))
    assert all(r.status_code == 202 for r in posted), next(r.text for r in posted if r.status_code != 202)
    wait_for(lambda: sum(j["queue"] is not None and j["queue"]["reason"] == "no_capacity"
                         for j in all_jobs(backlogged)) == BACKLOG,
             timeout_s=600, interval_s=2, what=f"the {BACKLOG} jobs waiting in Switchyard's queue")

    modelarts_faults(latency_ms=CREATE_LATENCY_MS, methods=["POST"])  # capacity is back
    wait_for(lambda: any(j["vendor"] for j in all_jobs(backlogged)), what="the backlog being placed")
    first = newcomer.post("/v1/jobs", json=job("first")).json()

    def newcomer_placed():
        j = newcomer.get(f"/v1/jobs/{first['id']}").json()
        return j if j["vendor"] else None
    wait_for(newcomer_placed, timeout_s=120, interval_s=0.2, what="the newcomer's job placed")
    backlog_now = all_jobs(backlogged)

    still_waiting = sum(j["vendor"] is None for j in backlog_now)
    assert still_waiting >= BACKLOG // 5, f"the backlog was nearly placed already ({still_waiting} left)"
    newcomer_at = placed_at(newcomer, first["id"])
    requested_at = datetime.fromisoformat(first["created_at"])
    with ThreadPoolExecutor(8) as pool:
        backlog_at = list(pool.map(lambda j: placed_at(backlogged, j["id"]), [j for j in backlog_now if j["vendor"]]))
    placed_between = sum(requested_at <= at < newcomer_at for at in backlog_at)
    # FIFO would place it after every job of the backlog still waiting; in turn, within about two batches'
    # share of the backlog (the batch being placed when it arrived, and the one it is claimed in).
    assert placed_between <= 2 * PER_TENANT_BATCH, (
        f"{placed_between} of the backlog's jobs were placed between the newcomer's request and its placement")
