"""Beyond one machine: two replicas of every service on two hosts (network namespaces), three Kafka brokers, and
~200 jobs on the four vendors. During the run one broker is SIGKILLed and started again, one gateway is taken away
while the clients keep calling through the other, and one host (every service on it) is lost and comes back. Then
every job is terminal as planned, each placement made one vendor job, each started minute was charged once, every
terminal webhook arrived under one webhook-id per event, and no partition is left under-replicated."""

import asyncio
import os
import signal
import time
import uuid
from collections import Counter

import httpx
import pytest

from tests.chaos import checks
from tests.chaos.checks import submitted_attempts
from tests.chaos.workload import TERMINAL, plan
from tests.cluster.gateways import Gateways
from tests.cluster.infra import BROKERS, ClusterStack
from tests.cluster.replication import under_replicated
from tests.e2e.helpers import wait_for
from tests.e2e.receiver import VerifyingReceiver
from tests.e2e.stack import SIMULATORS, free_port

pytestmark = pytest.mark.e2e

ADMIN_KEY = "e2e-admin-token"
# 200 jobs; AI Space runs two at once (its starting packages), so it gets few short ones.
JOBS_PER_VENDOR = {"modelarts": 72, "caip": 72, "qizhi": 48, "aispace": 8}
RUN_SECONDS = {"modelarts": (90, 240), "caip": (90, 240), "qizhi": (90, 240), "aispace": (30, 45)}
TENANTS = 4
CREDIT = "5000.00"
EVENT_TYPES = ["job.queued", "job.running", "job.succeeded", "job.failed", "job.stopped"]
KILLED_BROKER, BROKER_DOWN_S = 2, 10
REMOVED_GATEWAY = "a"  # the gateway taken away; the clients keep calling the other
LOST_HOST, HOST_DOWN_S = "b", 30


class Tenant:
    def __init__(self, api: Gateways, receiver_host: str) -> None:
        created = api.call(ADMIN_KEY, "POST", "/v1/admin/tenants", json={"name": f"cluster-{uuid.uuid4().hex[:6]}"})
        assert created.status_code == 201, created.text
        self.api, self.id, self.key = api, created.json()["id"], created.json()["api_key"]
        credited = api.call(ADMIN_KEY, "POST", f"/v1/admin/tenants/{self.id}/credit", json={"amount": CREDIT})
        assert credited.status_code == 200, credited.text
        self.receiver = VerifyingReceiver(port=free_port(), host=receiver_host).start()
        hook = self.call("POST", "/v1/webhooks", json={"url": self.receiver.url, "event_types": EVENT_TYPES})
        assert hook.status_code == 201, hook.text
        self.receiver.secret = hook.json()["secret"]

    def call(self, method: str, path: str, **kwargs) -> httpx.Response:
        return self.api.call(self.key, method, path, **kwargs)

    def get(self, path: str, **kwargs) -> dict:
        return self.call("GET", path, **kwargs).json()

    def jobs(self) -> dict[str, dict]:
        listed = self.call("GET", "/v1/jobs", params={"limit": 200})
        assert listed.status_code == 200, listed.text
        return {job["id"]: job for job in listed.json()["items"]}


def sim_jobs(stack: ClusterStack) -> dict[str, list[dict]]:
    return {vendor: httpx.get(f"{stack.url('sim', vendor)}/_sim/jobs", timeout=10).json() for vendor in SIMULATORS}


def test_the_cluster_rides_out_a_broker_a_gateway_and_a_host_lost(cluster):
    stack, infra = cluster, cluster.infra
    began, load_before = time.monotonic(), os.getloadavg()[0]
    faults: list[tuple[str, float]] = []  # (what, seconds until recovered)
    api = Gateways(stack.gateways)
    tenants = [Tenant(api, infra.network.gateway) for _ in range(TENANTS)]

    def problems_replicating() -> list[str]:
        return asyncio.run(under_replicated(infra.bootstrap, stack.topic_prefix, BROKERS))

    try:
        planned = plan(JOBS_PER_VENDOR, RUN_SECONDS, prefix="cluster")
        owner, expected, vendor_of = {}, {}, {}
        for i, job in enumerate(planned):
            tenant = tenants[i % len(tenants)]
            submitted = tenant.call("POST", "/v1/jobs", json=job.spec, headers={"Idempotency-Key": f"cluster-{job.name}"})
            assert submitted.status_code == 202, submitted.text
            job_id = submitted.json()["id"]
            owner[job_id], expected[job_id], vendor_of[job_id] = tenant, job.outcome, job.vendor
        submitted_s = time.monotonic() - began

        def every_job() -> dict[str, dict]:
            return {job_id: job for tenant in tenants for job_id, job in tenant.jobs().items()}

        # Faults begin once every job is placed and every vendor runs one (a scheduler killed between a Qizhi create
        # and its commit may leave a second job there: a known limit, not under test here).
        def running_everywhere():
            jobs = every_job()
            running = {job["vendor"] for job in jobs.values() if job["status"] == "RUNNING"}
            placed = len(jobs) == len(expected) and all(job["status"] != "PENDING" for job in jobs.values())
            return jobs if placed and running >= set(SIMULATORS) else None
        wait_for(running_everywhere, timeout_s=300, interval_s=2, what="every job placed, a running job on every vendor")
        faults_began = time.monotonic()

        # 1. A broker SIGKILLed: the two left hold every partition's in-sync minimum; back, it catches up.
        t0 = time.monotonic()
        infra.kill_broker(KILLED_BROKER)
        calls_while_broker_down = 0
        while time.monotonic() - t0 < BROKER_DOWN_S:  # the deliberate outage, while the clients call
            assert len(tenants[calls_while_broker_down % TENANTS].jobs()) > 0
            calls_while_broker_down += 1
            time.sleep(0.2)  # a client's pace, not a wait for anything
        infra.start_broker(KILLED_BROKER)
        restarted = time.monotonic()
        wait_for(lambda: not problems_replicating(), timeout_s=120, interval_s=1, what="the broker back in sync")
        in_sync_s = time.monotonic() - restarted
        faults.append((f"SIGKILL broker {KILLED_BROKER}, {BROKER_DOWN_S} s down, restarted; in sync again "
                       f"{in_sync_s:.1f} s after its restart", time.monotonic() - t0))

        # 2. A gateway taken away while the clients call: cancels and listings all answered by the other one.
        cancelled = [job_id for job_id, outcome in expected.items() if outcome == "STOPPED"]
        for job_id in cancelled:
            wait_for(lambda: owner[job_id].call("GET", f"/v1/jobs/{job_id}").json()["status"] == "RUNNING",
                     timeout_s=180, interval_s=1, what=f"cancellable job {job_id} running")
        t0 = time.monotonic()
        removed, kept = stack.url(REMOVED_GATEWAY, "gateway"), next(g for g in stack.gateways
                                                                   if g != stack.url(REMOVED_GATEWAY, "gateway"))
        answered_before = Counter(api.answered)
        stack.kill(REMOVED_GATEWAY, "gateway", signal.SIGKILL)
        for job_id in cancelled:
            response = owner[job_id].call("POST", f"/v1/jobs/{job_id}/cancel")
            assert response.status_code == 202, response.text
        for tenant in tenants:
            assert tenant.jobs()
        answered = api.answered - answered_before
        assert answered[removed] == 0 and answered[kept] == len(cancelled) + len(tenants), answered
        stack.start(REMOVED_GATEWAY, "gateway")
        stack.wait_healthy(REMOVED_GATEWAY, "gateway")
        faults.append((f"SIGKILL gateway {REMOVED_GATEWAY} ({answered[kept]} calls answered by the other), restarted",
                       time.monotonic() - t0))

        # 3. A host lost: every service on it SIGKILLed at once; the other host's replicas carry on alone.
        before = {job_id: job["status"] for job_id, job in every_job().items()}
        t0 = time.monotonic()
        killed = stack.kill_host(LOST_HOST)
        time.sleep(HOST_DOWN_S)  # the deliberate outage
        during = {job_id: job["status"] for job_id, job in every_job().items()}
        moved_on = sum(1 for job_id, status in during.items() if status != before[job_id])
        assert moved_on > 0, f"no job changed state in the {HOST_DOWN_S} s host {LOST_HOST} was away"
        stack.start_host(LOST_HOST)
        faults.append((f"host {LOST_HOST} lost ({killed} processes SIGKILLed), {HOST_DOWN_S} s away "
                       f"({moved_on} jobs moved on meanwhile), its services started again", time.monotonic() - t0))
        last_fault = time.monotonic()

        def all_terminal():
            jobs = every_job()
            waiting = [job_id for job_id, job in jobs.items() if job["status"] not in TERMINAL]
            return jobs if len(jobs) == len(expected) and not waiting else None
        try:
            jobs = wait_for(all_terminal, timeout_s=600, interval_s=2, what="every job terminal")
        except AssertionError:
            stuck = {k: (vendor_of[k], v["status"]) for k, v in every_job().items() if v["status"] not in TERMINAL}
            raise AssertionError(f"jobs not terminal 600 s after the last fault: {stuck}") from None
        to_terminal_s = time.monotonic() - last_fault

        wrong = {job_id: (vendor_of[job_id], jobs[job_id]["status"], want) for job_id, want in expected.items()
                 if jobs[job_id]["status"] != want}
        assert not wrong, f"jobs that ended otherwise than planned: {wrong}"
        dead = {name: p.returncode for name, p in stack.processes.items() if p.poll() is not None}
        assert not dead, f"processes that died during the run: {dead}"
        parked = api.call(ADMIN_KEY, "GET", "/v1/admin/dead-letters").json()["items"]
        assert not parked, [(d["service"], d["topic"], d.get("error")) for d in parked]

        attempts = {job_id: submitted_attempts(
            owner[job_id].call("GET", f"/v1/jobs/{job_id}/events", params={"limit": 200}).json()["items"])
            for job_id in jobs}
        sims = sim_jobs(stack)
        vendor_problems = [p for job_id, job in jobs.items()
                           for p in checks.vendor_job_problems(job, attempts[job_id], sims)]
        assert not vendor_problems, "\n".join(vendor_problems)

        charges = checks.settled(lambda: checks.charges_and_balances(tenants, attempts, CREDIT),
                                 timeout_s=180, interval_s=3, what="charges settled")
        deliveries = checks.settled(lambda: checks.webhooks_to_tenants(tenants, jobs, owner),
                                    timeout_s=180, interval_s=2, what="webhooks delivered")

        try:
            wait_for(lambda: not problems_replicating(), timeout_s=120, interval_s=2, what="no partition under-replicated")
        except AssertionError:
            raise AssertionError("under-replicated:\n" + "\n".join(problems_replicating())) from None

        print("\ncluster summary")
        print(f"  hosts: {len(infra.network.hosts)} namespaces on {infra.network.bridge}; brokers {infra.bootstrap}")
        print(f"  jobs: {len(jobs)} ({', '.join(f'{v} {n}' for v, n in Counter(vendor_of.values()).items())}), "
              f"submitted in {submitted_s:.0f} s; outcomes {dict(Counter(j['status'] for j in jobs.values()))}; "
              f"placed again: {sum(1 for n in attempts.values() if n > 1)}")
        print(f"  faults from {faults_began - began:.0f} s to {last_fault - began:.0f} s into the run:")
        for what, lasted in faults:
            print(f"    {what}: {lasted:.1f} s")
        print(f"  calls while the broker was down: {calls_while_broker_down} listings, all answered")
        print(f"  every job terminal {to_terminal_s:.0f} s after the last fault")
        print(f"  vendor jobs: {sum(len(rows) for rows in sims.values())}, one per placement "
              f"({sum(attempts.values())} placements)")
        print(f"  charges: {charges['charge']} minute charges ({charges['refund']} refunded), {TENANTS} balances exact")
        print(f"  webhooks: {deliveries} deliveries, every terminal event once per webhook-id; no dead letters")
        print(f"  calls answered per gateway: {dict(api.answered)}; not answered: {dict(api.failed)}")
        print(f"  whole run {time.monotonic() - began:.0f} s; load average {load_before:.1f} before, "
              f"{os.getloadavg()[0]:.1f} after (1 min)")
    finally:
        for tenant in tenants:
            tenant.receiver.stop()
        api.close()
