"""A real Prometheus (Debian's package, started by infra/prometheus.sh) scrapes the test stack: after a job runs to
SUCCEEDED and its webhooks are delivered, PromQL over Prometheus's HTTP API shows the placements, the rated minutes
and the deliveries grown by what happened; every family operators build on is there; every alert rule and every
dashboard query evaluates without error."""

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import httpx
import pytest
import yaml

from tests.e2e.helpers import expected_minutes, job_in, verified_webhooks, wait_for
from tests.e2e.stack import ROOT, free_port

pytestmark = pytest.mark.e2e

OBSERVABILITY = ROOT / "infra" / "observability"
FAMILIES = (
    "switchyard_http_requests_total", "switchyard_http_request_duration_seconds_bucket",
    "switchyard_jobs_submitted_total",
    "switchyard_queue_depth", "switchyard_queue_oldest_wait_seconds", "switchyard_placements_total",
    "switchyard_placement_duration_seconds_bucket",
    "switchyard_vendor_requests_total", "switchyard_vendor_request_duration_seconds_bucket",
    "switchyard_vendor_healthy",
    "switchyard_jobs_active", "switchyard_watch_detection_lag_seconds_bucket",
    "switchyard_watch_cycle_duration_seconds_bucket",
    "switchyard_usage_minutes_rated_total", "switchyard_rating_lag_seconds_bucket",
    "switchyard_revenue_micros_total", "switchyard_vendor_cost_micros_total",
    "switchyard_webhook_deliveries_total", "switchyard_webhook_delivery_latency_seconds_bucket",
    "switchyard_webhook_breakers_open",
    "switchyard_outbox_pending", "switchyard_outbox_oldest_age_seconds", "switchyard_consumer_lag",
    "process_resident_memory_bytes",
)


def scrape_config(stack, rules: Path) -> dict:
    """The kit's configuration, pointed at this stack's ports and scraped every second."""
    config = yaml.safe_load((OBSERVABILITY / "prometheus.yml").read_text())
    config["global"] = {"scrape_interval": "1s", "evaluation_interval": "1s"}
    config["rule_files"] = [str(rules)]
    ports = {"gateway": stack.ports["gateway"], "billing": stack.ports["billing"],
             "notifier": stack.ports["notifier"],
             "scheduler": int(stack.env["SWITCHYARD_SCHEDULER_METRICS_PORT"]),
             "watcher": int(stack.env["SWITCHYARD_WATCHER_METRICS_PORT"])}
    for job in config["scrape_configs"]:
        job["static_configs"] = [{"targets": [f"127.0.0.1:{ports[job['job_name'].removeprefix('switchyard-')]}"]}]
    assert {job["job_name"] for job in config["scrape_configs"]} == {f"switchyard-{s}" for s in ports}
    return config


@pytest.fixture(scope="module")
def prometheus(stack):
    workdir = Path(tempfile.mkdtemp(prefix="switchyard-prometheus-"))
    config = workdir / "prometheus.yml"
    config.write_text(yaml.safe_dump(scrape_config(stack, OBSERVABILITY / "alerts.yml")))
    port = free_port()
    env = {**os.environ, "SWITCHYARD_DATA_DIR": str(workdir), "SWITCHYARD_PROMETHEUS_PORT": str(port)}
    script = ["bash", str(ROOT / "infra" / "prometheus.sh")]
    subprocess.run([*script, "start", str(config)], env=env, check=True, timeout=300)
    subprocess.run([*script, "check"], env=env, check=True, timeout=60)  # promtool: the kit's config and rules
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            yield client
    finally:
        subprocess.run([*script, "stop"], env=env, check=False, timeout=60)
        shutil.rmtree(workdir, ignore_errors=True)


def query(prometheus: httpx.Client, promql: str) -> list[dict]:
    answer = prometheus.get("/api/v1/query", params={"query": promql}).json()
    assert answer["status"] == "success", (promql, answer)
    return answer["data"]["result"]


def value(prometheus: httpx.Client, promql: str) -> float:
    """The one number `promql` gives (summed over its series; 0 when it has none)."""
    return sum(float(series["value"][1]) for series in query(prometheus, promql))


def test_prometheus_sees_a_job_placed_charged_and_announced(stack, prometheus, tenant, receiver):
    wait_for(lambda: all(t["health"] == "up" for t in prometheus.get("/api/v1/targets").json()["data"]
                         ["activeTargets"]) and len(prometheus.get("/api/v1/targets").json()["data"]
                                                    ["activeTargets"]) == 5,
             what="Prometheus scraping all five services")
    secret = tenant.post("/v1/webhooks", json={"url": receiver.url, "event_types": [
        "job.queued", "job.running", "job.succeeded"]}).json()["secret"]
    placed = 'sum(switchyard_placements_total{outcome="submitted"})'
    rated, delivered = "sum(switchyard_usage_minutes_rated_total)", \
        'sum(switchyard_webhook_deliveries_total{outcome="delivered"})'
    submitted = 'sum(switchyard_jobs_submitted_total{kind="training"})'
    before = {q: value(prometheus, q) for q in (placed, rated, delivered, submitted)}

    job_id = tenant.post("/v1/jobs", json={
        "kind": "training", "name": "observed", "image": "swr.example/team/pytorch:2.1", "command": "python train.py",
        "resources": {"accelerator": "ascend-910b", "count": 1}, "env": {"SWITCHYARD_SIM_RUN_SECONDS": "2"},
    }).json()["id"]
    job = job_in(tenant, job_id, "SUCCEEDED", "FAILED")
    assert job["status"] == "SUCCEEDED"
    wait_for(lambda: len([p for _, p in verified_webhooks(receiver, secret) if p["data"]["job_id"] == job_id]) >= 3,
             what="the job's three webhooks")

    # Other tests' jobs may still add to the counters: each grows at least by what this job did.
    grown = {placed: 1, rated: expected_minutes(job), delivered: 3, submitted: 1}
    for promql, at_least in grown.items():
        wait_for(lambda: value(prometheus, promql) >= before[promql] + at_least,
                 what=f"{promql} grown by {at_least} from {before[promql]}")
    assert value(prometheus, f'sum(switchyard_revenue_micros_total{{vendor="{job["vendor"]}"}})') > 0
    assert value(prometheus, 'sum(switchyard_http_requests_total{route="/v1/jobs/{job_id}",method="GET"})') > 0
    assert value(prometheus, 'sum(switchyard_vendor_requests_total{operation="submit",outcome="ok"})') >= 1

    names = {series["metric"]["__name__"] for series in query(prometheus, 'count by (__name__) ({__name__=~".+"})')}
    assert not set(FAMILIES) - names, f"families missing: {sorted(set(FAMILIES) - names)}"
    # No family carries a tenant or a job.
    labels = {name for series in query(prometheus, '{__name__=~"switchyard_.*"}') for name in series["metric"]}
    assert not labels & {"tenant", "tenant_id", "job_id"}


def test_every_alert_rule_and_dashboard_query_evaluates(prometheus):
    def rules_evaluated():
        groups = prometheus.get("/api/v1/rules").json()["data"]["groups"]
        rules = [rule for group in groups for rule in group["rules"]]
        return rules if rules and all(rule["health"] == "ok" for rule in rules) else None
    rules = wait_for(rules_evaluated, what="every alert rule evaluated by Prometheus")
    expected = {rule["alert"] for group in yaml.safe_load((OBSERVABILITY / "alerts.yml").read_text())["groups"]
                for rule in group["rules"]}
    assert {rule["name"] for rule in rules} == expected

    dashboard = json.loads((OBSERVABILITY / "grafana-dashboard.json").read_text())
    targets = [(panel["title"], target["expr"]) for panel in dashboard["panels"] for target in panel.get("targets", [])]
    assert len(targets) >= 20
    for title, expr in targets:
        query(prometheus, expr)  # status success, or the assertion names the panel's query
