"""Kill billing and the notifier (SIGKILL) while a job runs: no charge lost or doubled, every
webhook still delivered at least once with a stable webhook-id."""

import signal
import time
from collections import Counter

import pytest

from tests.e2e.helpers import amount, expected_minutes, job_in, per_minute_price, vendor_price, verified_webhooks, wait_for
from tests.e2e.test_walking_skeleton import training

pytestmark = pytest.mark.e2e


def test_sigkill_billing_and_notifier_mid_job(stack, tenant, receiver):
    receiver.fail_next = 1  # the first delivery fails too, so a retry is in flight across the crash
    secret = tenant.post("/v1/webhooks", json={"url": receiver.url, "event_types": [
        "job.queued", "job.running", "job.succeeded"]}).json()["secret"]
    # 65 s of running spans two minutes, so billing must charge minute 1 after its restart.
    job_id = tenant.post("/v1/jobs", json=training("survivor", SWITCHYARD_SIM_RUN_SECONDS="65")).json()["id"]
    job_in(tenant, job_id, "RUNNING")
    wait_for(lambda: tenant.get("/v1/usage", params={"job_id": job_id}).json()["items"], what="first charge")

    stack.kill("billing", signal.SIGKILL)
    stack.kill("notifier", signal.SIGKILL)
    time.sleep(3)
    stack.start("billing")
    stack.start("notifier")
    stack.wait_healthy("billing")
    stack.wait_healthy("notifier")

    job = job_in(tenant, job_id, "SUCCEEDED", "FAILED", timeout_s=120)
    assert job["status"] == "SUCCEEDED"
    minutes = expected_minutes(job)
    assert minutes == 2
    price = per_minute_price(vendor_price(job["flavor"]))

    def settled():
        usage = tenant.get("/v1/usage", params={"job_id": job_id}).json()
        return usage if amount(usage["total"]["amount"]) == minutes * price else None
    usage = wait_for(settled, what="charges equal to minutes x price")
    per_minute = Counter((i["minute"], i["kind"]) for i in usage["items"])
    assert all(count == 1 for count in per_minute.values()), per_minute
    assert amount(tenant.get("/v1/balance").json()["balance"]) == amount("100.00") - minutes * price

    def deliveries():
        got = [(wid, p["type"]) for wid, p in verified_webhooks(receiver, secret) if p["data"]["job_id"] == job_id]
        return got if {t for _, t in got} >= {"job.queued", "job.running", "job.succeeded"} else None
    got = wait_for(deliveries, timeout_s=60, what="every webhook at least once")
    ids_by_type: dict[str, set[str]] = {}
    for webhook_id, event_type in got:
        ids_by_type.setdefault(event_type, set()).add(webhook_id)
    assert all(len(ids) == 1 for ids in ids_by_type.values()), ids_by_type  # retries reuse the webhook-id
