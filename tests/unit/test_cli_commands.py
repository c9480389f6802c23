"""The command line against a mocked API (httpx.MockTransport): arguments, profiles, rendering, exit codes."""

import json
import os
import stat

import httpx
import pytest
import yaml
from typer.testing import CliRunner

from switchyard_client.client import Client
from switchyard_client.cli import session as session_module
from switchyard_client.cli.app import app

JOB_ID = "6f1c1f0e-2b8a-4a53-9d1e-1d2f3a4b5c6d"
JOB = {"id": JOB_ID, "kind": "training", "name": "resnet", "status": "PENDING", "status_reason": None,
       "vendor": None, "vendor_job_id": None, "flavor": None, "resources": {"accelerator": "ascend-910b", "count": 1},
       "priority": "normal", "queue": None, "created_at": "2026-12-02T01:00:00Z", "started_at": None,
       "finished_at": None, "cost": {"amount": "0.00", "currency": "CNY"}, "endpoints": [],
       "invocations": {"count": 0, "bytes": 0}}
RUNNING = {**JOB, "status": "RUNNING", "vendor": "modelarts", "flavor": "modelarts.vm.snt9.1card",
           "started_at": "2026-12-02T01:00:05Z", "cost": {"amount": "0.36", "currency": "CNY"}}
ENDED = {**RUNNING, "status": "SUCCEEDED", "finished_at": "2026-12-02T01:01:35Z",
         "cost": {"amount": "0.72", "currency": "CNY"}}
QUOTES = {"items": [{"vendor": "modelarts", "flavor": "modelarts.vm.snt9.1card",
                     "price_per_hour": {"amount": "21.60", "currency": "CNY"},
                     "max_cost": {"amount": "21.60", "currency": "CNY"}, "covered_by": None}],
          "excluded": [{"vendor": "qizhi", "flavor": "a100-1", "reason": "no_such_accelerator"}]}
EVENTS = {"items": [{"position": 0, "type": "state", "from_status": None, "to_status": "PENDING", "raw_status": None,
                     "reason": None, "vendor_time": None, "observed_at": "2026-12-02T01:00:00Z"}],
          "next_cursor": None}
JOB_FILE = """\
kind: training
name: resnet
image: swr.example/demo/pytorch:2.1
command: python train.py
resources:
  accelerator: ascend-910b
  count: 1
max_runtime_s: 3600
"""


class FakeApi:
    """Answers by (method, path); a list answers its items in turn (the last one again and again)."""

    def __init__(self, routes):
        self.routes, self.requests = routes, []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.routes.get((request.method, request.url.path))
        if answer is None:
            return httpx.Response(404, json={"type": "about:blank", "title": "Not found", "status": 404})
        if isinstance(answer, list):
            answer = answer.pop(0) if len(answer) > 1 else answer[0]
        if isinstance(answer, BaseException):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        return httpx.Response(200, json=answer)

    def paths(self):
        return [(r.method, r.url.path) for r in self.requests]


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("SWITCHYARD_API_URL", "http://api.test")
    monkeypatch.setenv("SWITCHYARD_API_KEY", "sk_test")
    monkeypatch.delenv("SWITCHYARD_ADMIN_TOKEN", raising=False)
    monkeypatch.delenv("SWITCHYARD_PROFILE", raising=False)
    return tmp_path


@pytest.fixture
def api(monkeypatch, env):
    fake = FakeApi({})
    monkeypatch.setattr(session_module, "Client",
                        lambda url, key: Client(url, key, transport=httpx.MockTransport(fake), sleep=lambda s: None))
    return fake


def run(*args):
    return CliRunner().invoke(app, list(args))


def job_file(tmp_path, text=JOB_FILE):
    path = tmp_path / "job.yaml"
    path.write_text(text)
    return str(path)


def test_json_output_is_exactly_the_apis_json(api):
    page = {"items": [JOB], "next_cursor": None}
    api.routes[("GET", "/v1/jobs")] = page
    result = run("jobs", "ls", "-o", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == page
    assert api.requests[0].headers["Authorization"] == "Bearer sk_test"


def test_a_table_without_a_terminal_has_no_colour(api):
    api.routes[("GET", "/v1/jobs")] = {"items": [JOB], "next_cursor": None}
    result = run("jobs", "ls")
    assert result.exit_code == 0
    assert JOB_ID[:8] in result.stdout and "resnet" in result.stdout and "PENDING" in result.stdout
    assert "\x1b[" not in result.stdout


def test_jobs_show_lists_each_endpoint_on_a_line_of_its_own(api):
    endpoints = [{"type": "jupyter", "url": "http://127.0.0.1:18004/notebook/jupyter/lab-1/lab", "expires_at": None},
                 {"type": "ssh", "url": "ssh://root@127.0.0.1:2222", "expires_at": "2026-12-03T01:00:00Z"}]
    api.routes[("GET", f"/v1/jobs/{JOB_ID}")] = {**RUNNING, "kind": "notebook", "endpoints": endpoints}
    result = run("jobs", "show", JOB_ID)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert any("jupyter http://127.0.0.1:18004/notebook/jupyter/lab-1/lab" in line for line in lines)
    assert any("ssh ssh://root@127.0.0.1:2222 (until 2026-12-03 01:00)" in line for line in lines)


def test_quote_names_what_it_left_out_and_why(api, env):
    api.routes[("POST", "/v1/quotes")] = QUOTES
    result = run("quote", "-f", job_file(env), "--nodes", "2")
    assert result.exit_code == 0, result.output
    assert json.loads(api.requests[0].content)["resources"]["nodes"] == 2
    assert any("qizhi" in line and "a100-1" in line and "no_such_accelerator" in line
               for line in result.stdout.splitlines())


def test_flavors_show_the_most_nodes_each_runs(api):
    api.routes[("GET", "/v1/flavors")] = {"items": [
        {"vendor": "modelarts", "flavor": "modelarts.bm.snt9.xlarge.2", "kind": "training", "accelerator": "ascend-910b",
         "count": 2, "cpu": 48, "memory_gb": 192, "price_per_hour": {"amount": "43.20", "currency": "CNY"},
         "available": True, "max_nodes": 2}], "next_cursor": None}
    result = run("flavors")
    assert result.exit_code == 0, result.output
    assert "MAX NODES" in result.stdout
    assert any("modelarts.bm.snt9.xlarge.2" in line and " 2 " in line for line in result.stdout.splitlines())


def test_launch_with_nothing_to_place_on_says_why(api, env):
    api.routes[("POST", "/v1/quotes")] = {"items": [], "excluded": [
        {"vendor": "modelarts", "flavor": "a", "reason": "sold_out"},
        {"vendor": "modelarts", "flavor": "b", "reason": "sold_out"},
        {"vendor": "caip", "flavor": None, "reason": "vendor_degraded"}]}
    api.routes[("POST", "/v1/jobs")] = httpx.Response(202, json=JOB)
    result = run("jobs", "launch", "-f", job_file(env))
    assert result.exit_code == 0, result.output
    assert "nothing fits now (left out: 2 sold_out, 1 vendor_degraded)" in result.stdout


def test_jobs_show_says_what_a_queued_job_was_kept_from_and_an_ended_jobs_outputs(api):
    queued = {**JOB, "status": "QUEUED", "queue": {"reason": "no_capacity", "position": 1, "estimated_start_at": None,
                                                    "excluded": [
        {"vendor": "caip", "flavor": None, "reason": "vendor_degraded"},
        {"vendor": "aispace", "flavor": "AIDP-1", "reason": "data_elsewhere"}]}}
    api.routes[("GET", f"/v1/jobs/{JOB_ID}")] = queued
    lines = run("jobs", "show", JOB_ID).stdout.splitlines()
    assert any("caip (all): vendor_degraded" in line for line in lines)
    assert any("aispace AIDP-1: data_elsewhere" in line for line in lines)
    api.routes[("GET", f"/v1/jobs/{JOB_ID}")] = {**ENDED, "outputs": [
        {"name": "ckpt", "uri": "obs://bucket/runs/1/", "mount": "/data/out"}]}
    assert any("ckpt obs://bucket/runs/1/" in line for line in run("jobs", "show", JOB_ID).stdout.splitlines())


def test_yaml_output_parses_to_the_apis_json(api):
    api.routes[("GET", "/v1/balance")] = {"balance": "99.28", "currency": "CNY", "arrears": "0.00",
                                          "overdraft": "0.00", "packages": []}
    result = run("balance", "-o", "yaml")
    assert yaml.safe_load(result.stdout)["balance"] == "99.28"


def test_kind_is_asked_of_the_api(api):
    api.routes[("GET", "/v1/jobs")] = {"items": [{**JOB, "kind": "notebook"}], "next_cursor": None}
    listed = json.loads(run("jobs", "ls", "--kind", "notebook", "-o", "json").stdout)
    assert [j["kind"] for j in listed["items"]] == ["notebook"]
    assert api.requests[-1].url.params["kind"] == "notebook"


def test_the_operator_reads_the_queue_the_vendors_health_and_the_catalog(api, monkeypatch):
    monkeypatch.setenv("SWITCHYARD_ADMIN_TOKEN", "admin-token")
    api.routes[("GET", "/v1/admin/queue")] = {"items": [{
        "job_id": JOB_ID, "tenant_id": JOB_ID, "name": "resnet", "kind": "training", "priority": "high",
        "reason": "quota", "position": 1, "created_at": "2026-12-01T10:00:00Z"}]}
    api.routes[("GET", "/v1/admin/vendors")] = {"items": [{"vendor": "modelarts", "healthy": True},
                                                          {"vendor": "qizhi", "healthy": False}]}
    api.routes[("GET", "/v1/admin/flavors")] = {"items": [{
        "vendor": "caip", "flavor": "mlu370.1", "kind": "training", "accelerator": "mlu370", "count": 1, "cpu": 8,
        "memory_gb": 32, "max_nodes": 1, "price_per_hour": {"amount": "4.20", "currency": "CNY"},
        "available": False}]}
    queued = run("admin", "queue", "--limit", "5")
    assert queued.exit_code == 0 and "quota" in queued.stdout and "resnet" in queued.stdout
    assert api.requests[-1].url.params["limit"] == "5"
    health = run("admin", "vendors")
    assert "degraded" in health.stdout and "healthy" in health.stdout
    listed = run("admin", "catalog", "ls", "--kind", "notebook")
    assert "mlu370.1" in listed.stdout and "no" in listed.stdout
    assert api.requests[-1].url.params["kind"] == "notebook"


def test_a_job_id_prefix_of_eight_characters_is_resolved(api):
    api.routes[("GET", "/v1/jobs")] = {"items": [JOB], "next_cursor": None}
    api.routes[("GET", f"/v1/jobs/{JOB_ID}")] = JOB
    result = run("jobs", "show", JOB_ID[:8], "-o", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["id"] == JOB_ID


def test_a_shorter_prefix_is_a_usage_error(api):
    result = run("jobs", "show", JOB_ID[:7])
    assert result.exit_code == 2 and "at least 8" in result.stderr
    assert api.requests == []


def test_an_unknown_prefix_is_not_found(api):
    api.routes[("GET", "/v1/jobs")] = {"items": [JOB], "next_cursor": None}
    result = run("jobs", "cancel", "deadbeef")
    assert result.exit_code == 3 and "Not found" in result.stderr


def test_an_api_problem_exits_3_with_title_and_detail_on_stderr(api):
    api.routes[("GET", "/v1/balance")] = httpx.Response(401, json={
        "type": "https://switchyard.dev/problems/unauthorized", "title": "Unauthorized", "status": 401,
        "detail": "Unknown API key."}, headers={"content-type": "application/problem+json"})
    result = run("balance")
    assert result.exit_code == 3
    assert "Unauthorized" in result.stderr and "Unknown API key." in result.stderr and result.stdout == ""


def test_an_unreachable_api_exits_4(api):
    api.routes[("GET", "/v1/balance")] = httpx.ConnectError("refused")
    result = run("balance")
    assert result.exit_code == 4 and "cannot reach" in result.stderr


def test_no_key_is_a_usage_error(api, monkeypatch):
    monkeypatch.delenv("SWITCHYARD_API_KEY")
    result = run("balance")
    assert result.exit_code == 2 and "switchyard login" in result.stderr


def test_a_wrong_option_is_a_usage_error(api):
    assert run("jobs", "ls", "-o", "xml").exit_code == 2
    assert run("jobs", "launch").exit_code == 2  # -f is required


def test_login_saves_a_private_profile_that_later_commands_use(api, env, monkeypatch):
    result = run("login", "--url", "http://other.test", "--key", "sk_team", "--profile", "team")
    assert result.exit_code == 0, result.output
    path = env / "config" / "switchyard" / "config.toml"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert 'api_key = "sk_team"' in path.read_text()
    api.routes[("GET", "/v1/balance")] = {"balance": "1.00", "currency": "CNY", "arrears": "0.00",
                                          "overdraft": "0.00", "packages": []}
    assert run("balance", "--profile", "team").exit_code == 0
    assert run("--profile", "team", "balance").exit_code == 0
    assert [str(r.url) for r in api.requests] == ["http://other.test/v1/balance"] * 2
    assert {r.headers["Authorization"] for r in api.requests} == {"Bearer sk_team"}
    assert run("balance", "--profile", "nobody").exit_code == 2


def test_launch_shows_the_quote_and_the_job_and_sends_the_file(api, env):
    api.routes[("POST", "/v1/quotes")] = QUOTES
    api.routes[("POST", "/v1/jobs")] = httpx.Response(202, json=JOB)
    result = run("jobs", "launch", "-f", job_file(env), "--env", "LR=0.1", "--count", "2")
    assert result.exit_code == 0, result.output
    assert "modelarts · modelarts.vm.snt9.1card · 21.60 CNY/h · max cost 21.60 CNY" in result.stdout
    assert f"job {JOB_ID} PENDING" in result.stdout
    sent = json.loads(api.requests[1].content)
    assert sent["env"] == {"LR": "0.1"} and sent["resources"]["count"] == 2
    assert api.requests[1].headers["Idempotency-Key"]


def test_launch_wait_follows_the_job_to_success(api, env):
    api.routes.update({("POST", "/v1/quotes"): QUOTES, ("POST", "/v1/jobs"): httpx.Response(202, json=JOB),
                       ("GET", f"/v1/jobs/{JOB_ID}"): [JOB, RUNNING, ENDED],
                       ("GET", f"/v1/jobs/{JOB_ID}/events"): EVENTS})
    result = run("jobs", "launch", "-f", job_file(env), "--wait", "--poll-interval", "0")
    assert result.exit_code == 0, result.output
    assert "RUNNING · modelarts · modelarts.vm.snt9.1card" in result.stdout
    assert f"job {JOB_ID} SUCCEEDED on modelarts (modelarts.vm.snt9.1card), ran 0:01:30, cost 0.72 CNY" \
        in result.stdout


@pytest.mark.parametrize("status", ["FAILED", "STOPPED"])
def test_wait_exits_1_when_the_job_ends_badly(api, status):
    api.routes.update({("GET", f"/v1/jobs/{JOB_ID}"): {**ENDED, "status": status},
                       ("GET", f"/v1/jobs/{JOB_ID}/events"): EVENTS})
    result = run("jobs", "wait", JOB_ID, "--poll-interval", "0")
    assert result.exit_code == 1 and status in result.stdout


def test_ctrl_c_stops_waiting_without_cancelling(api):
    api.routes.update({("GET", f"/v1/jobs/{JOB_ID}"): [RUNNING, KeyboardInterrupt()],
                       ("GET", f"/v1/jobs/{JOB_ID}/events"): EVENTS})
    result = run("jobs", "wait", JOB_ID, "--poll-interval", "0")
    assert result.exit_code == 130
    assert "was not cancelled" in result.stderr
    assert all(method == "GET" for method, _ in api.paths())


def test_a_bad_file_exits_2_naming_field_and_line_and_sends_nothing(api, env):
    result = run("jobs", "launch", "-f", job_file(env, JOB_FILE.replace("count: 1", "count: -1")))
    assert result.exit_code == 2
    assert ":7: resources.count:" in result.stderr
    assert api.requests == []


def test_usage_groups_and_filters_by_job_prefix(api):
    api.routes[("GET", "/v1/jobs")] = {"items": [JOB], "next_cursor": None}
    api.routes[("GET", "/v1/usage")] = {"group_by": "vendor", "items": [
        {"key": "modelarts", "amount": "0.72", "shortfall": "0.00", "card_hours": "0.033", "minutes": 2}],
        "total": {"amount": "0.72", "currency": "CNY"}, "currency": "CNY"}
    result = run("usage", "--job", JOB_ID[:8], "--group-by", "vendor", "--from", "2026-12-01T00:00:00Z")
    assert result.exit_code == 0, result.output
    assert "modelarts" in result.stdout and "0.72 CNY" in result.stdout
    params = api.requests[-1].url.params
    assert (params["job_id"], params["group_by"], params["from"]) == (JOB_ID, "vendor", "2026-12-01T00:00:00Z")


def test_admin_commands_take_the_admin_token(api, monkeypatch):
    assert run("admin", "tenants", "create", "vision").exit_code == 2
    monkeypatch.setenv("SWITCHYARD_ADMIN_TOKEN", "admin-token")
    api.routes[("POST", "/v1/admin/tenants")] = httpx.Response(201, json={
        "id": JOB_ID, "name": "vision", "api_key": "sk_new", "api_key_id": JOB_ID})
    result = run("admin", "tenants", "create", "vision", "-o", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["api_key"] == "sk_new"
    assert api.requests[-1].headers["Authorization"] == "Bearer admin-token"


def test_topic_attributes_must_be_pairs(api):
    result = run("topics", "publish", JOB_ID, "--message", "hi", "--attr", "novalue")
    assert result.exit_code == 2 and "KEY=VALUE" in result.stderr


def test_launch_wait_as_json_prints_one_document_with_the_final_job(api, env):
    api.routes.update({("POST", "/v1/quotes"): QUOTES, ("POST", "/v1/jobs"): httpx.Response(202, json=JOB),
                       ("GET", f"/v1/jobs/{JOB_ID}"): [RUNNING, {**ENDED, "status": "FAILED"}],
                       ("GET", f"/v1/jobs/{JOB_ID}/events"): EVENTS})
    result = run("jobs", "launch", "-f", job_file(env), "--wait", "--poll-interval", "0", "-o", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["quote"] == QUOTES and document["job"]["status"] == "FAILED"


def test_admin_margins_and_adjustments(api, monkeypatch):
    monkeypatch.setenv("SWITCHYARD_ADMIN_TOKEN", "admin-token")
    line = {"key": "modelarts", "revenue": "0.72", "list_amount": "0.72", "vendor_cost": "0.60", "margin": "0.12",
            "minutes": 2}
    api.routes[("GET", "/v1/admin/margins")] = {"month": "2026-11", "currency": "CNY", "by_vendor": [line],
                                                "by_tenant": [], "by_vendor_day": [{**line, "day": "2026-11-03"}],
                                                "total": {**line, "key": "total"}}
    result = run("admin", "margins", "2026-11")
    assert result.exit_code == 0, result.output
    assert "modelarts" in result.stdout and "0.12" in result.stdout
    assert api.requests[-1].url.params["month"] == "2026-11"
    api.routes[("POST", f"/v1/admin/tenants/{JOB_ID}/adjustments")] = httpx.Response(201, json={"amount": "-5.00"})
    result = run("admin", "tenants", "adjust", JOB_ID, "--amount", "-5.00", "--reason", "outage", "-o", "json")
    assert result.exit_code == 0 and json.loads(result.stdout) == {"amount": "-5.00"}
    assert json.loads(api.requests[-1].content) == {"amount": "-5.00", "reason": "outage"}
    assert api.requests[-1].headers["Idempotency-Key"]


KEY_ID = "8f1c1f0e-2b8a-4a53-9d1e-1d2f3a4b5c6d"
KEY = {"id": KEY_ID, "name": "ci", "prefix": "sk_live_ab", "created_at": "2026-12-02T01:00:00Z",
       "last_used_at": None, "expires_at": None}
CAPS = {"webhooks": {"override": 1, "default": 20, "limit": 1},
        "topics": {"override": None, "default": 100, "limit": 100},
        "subscriptions_per_topic": {"override": None, "default": 100, "limit": 100},
        "confirmation_emails_per_hour": {"override": 5, "default": 20, "limit": 5},
        "open_jobs": {"override": None, "default": 1000, "limit": 1000}}
TENANT = {"id": JOB_ID, "name": "vision", "status": "active", "status_changed_at": None,
          "created_at": "2026-12-01T00:00:00Z", "limits": {"max_concurrent_jobs": 4,
                                                          "max_concurrent_accelerators": None},
          "caps": CAPS}


def test_keys_create_shows_the_new_key_once_and_sends_name_and_expiry(api):
    api.routes[("POST", "/v1/api-keys")] = httpx.Response(201, json={**KEY, "api_key": "sk_live_abcdef"})
    result = run("keys", "create", "ci", "--expires-at", "2027-06-30T00:00:00Z")
    assert result.exit_code == 0, result.output
    assert "sk_live_abcdef" in result.stdout and "shown this once" in result.stderr
    assert json.loads(api.requests[-1].content) == {"name": "ci", "expires_at": "2027-06-30T00:00:00Z"}
    as_json = run("keys", "create", "ci", "-o", "json")
    assert json.loads(as_json.stdout) == {**KEY, "api_key": "sk_live_abcdef"} and as_json.stderr == ""


def test_keys_ls_shows_one_page_and_says_where_the_next_starts(api):
    api.routes[("GET", "/v1/api-keys")] = {"items": [KEY], "next_cursor": "c1"}
    result = run("keys", "ls", "--limit", "1")
    assert result.exit_code == 0, result.output
    assert "sk_live_ab" in result.stdout and "never" in result.stdout
    assert "--cursor c1" in result.stderr
    assert api.requests[-1].url.params["limit"] == "1"
    assert run("keys", "ls", "--limit", "0").exit_code == 2


def test_keys_ls_all_follows_every_page_into_one_listing(api):
    second = {**KEY, "id": JOB_ID, "name": "default"}
    api.routes[("GET", "/v1/api-keys")] = [{"items": [KEY], "next_cursor": "c1"},
                                           {"items": [second], "next_cursor": None}]
    result = run("keys", "ls", "--all", "-o", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"items": [KEY, second], "next_cursor": None}
    assert [r.url.params.get("cursor") for r in api.requests] == [None, "c1"]


def test_keys_rm_revokes_and_the_last_key_is_refused_with_exit_3(api):
    api.routes[("DELETE", f"/v1/api-keys/{KEY_ID}")] = httpx.Response(204)
    result = run("keys", "rm", KEY_ID)
    assert result.exit_code == 0 and f"revoked API key {KEY_ID}" in result.stdout
    api.routes[("DELETE", f"/v1/api-keys/{KEY_ID}")] = httpx.Response(409, json={
        "type": "https://switchyard.dev/problems/last-api-key", "title": "Last API key", "status": 409,
        "detail": "This is the tenant's last active API key; make another first."})
    refused = run("keys", "rm", KEY_ID)
    assert refused.exit_code == 3 and "Last API key (409)" in refused.stderr


def test_admin_tenants_ls_show_suspend_and_resume(api, monkeypatch):
    monkeypatch.setenv("SWITCHYARD_ADMIN_TOKEN", "admin-token")
    suspended = {**TENANT, "status": "suspended", "status_changed_at": "2026-12-02T01:00:00Z"}
    api.routes.update({("GET", "/v1/admin/tenants"): {"items": [TENANT], "next_cursor": None},
                       ("GET", f"/v1/admin/tenants/{JOB_ID}"): TENANT,
                       ("POST", f"/v1/admin/tenants/{JOB_ID}/suspend"): suspended,
                       ("POST", f"/v1/admin/tenants/{JOB_ID}/resume"): TENANT})
    listed = run("admin", "tenants", "ls")
    assert listed.exit_code == 0, listed.output
    assert "vision" in listed.stdout and "active" in listed.stdout and listed.stderr == ""
    assert json.loads(run("admin", "tenants", "show", JOB_ID, "-o", "json").stdout) == TENANT
    assert f"tenant {JOB_ID} (vision) suspended" in run("admin", "tenants", "suspend", JOB_ID).stdout
    assert f"tenant {JOB_ID} (vision) active" in run("admin", "tenants", "resume", JOB_ID).stdout
    assert {r.headers["Authorization"] for r in api.requests} == {"Bearer admin-token"}
    assert api.paths()[-2:] == [("POST", f"/v1/admin/tenants/{JOB_ID}/suspend"),
                                ("POST", f"/v1/admin/tenants/{JOB_ID}/resume")]


def test_admin_tenants_caps_shows_each_cap_and_sets_only_the_ones_named(api, monkeypatch):
    monkeypatch.setenv("SWITCHYARD_ADMIN_TOKEN", "admin-token")
    path = f"/v1/admin/tenants/{JOB_ID}/caps"
    after = {**CAPS, "open_jobs": {"override": 50, "default": 1000, "limit": 50},
             "confirmation_emails_per_hour": {"override": None, "default": 20, "limit": 20}}
    api.routes.update({("GET", path): CAPS, ("PUT", path): after})

    shown = run("admin", "tenants", "caps", JOB_ID)
    assert shown.exit_code == 0, shown.output
    rows = {line.split()[0]: line.split()[1:] for line in shown.stdout.splitlines()[1:]}
    assert rows["webhooks"] == ["1", "1", "20"] and rows["topics"] == ["100", "-", "100"]
    assert api.paths() == [("GET", path)]

    changed = run("admin", "tenants", "caps", JOB_ID, "--open-jobs", "50", "--default",
                  "confirmation-emails-per-hour", "-o", "json")
    assert changed.exit_code == 0, changed.output
    assert json.loads(changed.stdout) == after
    assert api.paths()[-2:] == [("GET", path), ("PUT", path)]
    # The override not named (webhooks: 1) is sent back as it was; the one given back its default is null.
    assert json.loads(api.requests[-1].content) == {
        "webhooks": 1, "topics": None, "subscriptions_per_topic": None, "confirmation_emails_per_hour": None,
        "open_jobs": 50}
    assert api.requests[-1].headers["Authorization"] == "Bearer admin-token"


@pytest.mark.parametrize("args", [["--webhooks", "0"], ["--default", "gpus"],
                                  ["--topics", "3", "--default", "topics"]])
def test_admin_tenants_caps_refuses_a_wrong_cap_before_sending(api, monkeypatch, args):
    monkeypatch.setenv("SWITCHYARD_ADMIN_TOKEN", "admin-token")
    assert run("admin", "tenants", "caps", JOB_ID, *args).exit_code == 2
    assert api.requests == []


def test_admin_tenants_keys_issue_list_and_revoke(api, monkeypatch):
    monkeypatch.setenv("SWITCHYARD_ADMIN_TOKEN", "admin-token")
    base = f"/v1/admin/tenants/{JOB_ID}/api-keys"
    api.routes.update({("POST", base): httpx.Response(201, json={**KEY, "api_key": "sk_live_abcdef"}),
                       ("GET", base): {"items": [KEY], "next_cursor": None},
                       ("DELETE", f"{base}/{KEY_ID}"): httpx.Response(204)})
    issued = run("admin", "tenants", "keys", "create", JOB_ID, "recovery", "-o", "json")
    assert issued.exit_code == 0, issued.output
    assert json.loads(issued.stdout)["api_key"] == "sk_live_abcdef"
    assert json.loads(api.requests[-1].content) == {"name": "recovery"}
    assert "sk_live_ab" in run("admin", "tenants", "keys", "ls", JOB_ID).stdout
    revoked = run("admin", "tenants", "keys", "rm", JOB_ID, KEY_ID, "-o", "json")
    assert revoked.exit_code == 0 and json.loads(revoked.stdout) == {"deleted": KEY_ID}
    assert api.paths() == [("POST", base), ("GET", base), ("DELETE", f"{base}/{KEY_ID}")]


def test_admin_audit_passes_its_filters_and_billing_audit_is_its_own_route(api, monkeypatch):
    monkeypatch.setenv("SWITCHYARD_ADMIN_TOKEN", "admin-token")
    record = {"id": 9, "at": "2026-12-02T01:00:00Z", "actor": "operator", "action": "suspend_tenant",
              "method": "POST", "target": f"/v1/admin/tenants/{JOB_ID}/suspend", "tenant_id": JOB_ID,
              "status": 200, "details": {}}
    api.routes[("GET", "/v1/admin/audit")] = {"items": [record], "next_cursor": None}
    result = run("admin", "audit", "--tenant", JOB_ID, "--action", "suspend_tenant", "--from",
                 "2026-12-01T00:00:00Z", "--to", "2026-12-03T00:00:00Z")
    assert result.exit_code == 0, result.output
    assert "suspend_tenant" in result.stdout and "operator" in result.stdout
    assert dict(api.requests[-1].url.params) == {"tenant_id": JOB_ID, "action": "suspend_tenant",
                                                 "from": "2026-12-01T00:00:00Z", "to": "2026-12-03T00:00:00Z"}
    trail = {"items": [{"id": 3, "actor": "operator", "action": "adjustment", "tenant_id": JOB_ID,
                        "subject": "a1", "details": {"amount": "-5.00"}, "created_at": "2026-12-02T01:00:00Z"}]}
    api.routes[("GET", "/v1/admin/billing-audit")] = trail
    billing = run("admin", "billing-audit", "--tenant", JOB_ID)
    assert billing.exit_code == 0, billing.output
    assert "adjustment" in billing.stdout and "-5.00" in billing.stdout
    assert api.paths()[-1] == ("GET", "/v1/admin/billing-audit")
    assert json.loads(run("admin", "billing-audit", "-o", "json").stdout) == trail


def test_jobs_ls_and_usage_follow_every_page_with_all(api):
    other = {**JOB, "id": "7f1c1f0e-2b8a-4a53-9d1e-1d2f3a4b5c6d"}
    api.routes[("GET", "/v1/jobs")] = [{"items": [JOB], "next_cursor": "j1"}, {"items": [other], "next_cursor": None}]
    jobs = run("jobs", "ls", "--all", "-o", "json")
    assert jobs.exit_code == 0, jobs.output
    assert [j["id"] for j in json.loads(jobs.stdout)["items"]] == [JOB_ID, other["id"]]
    charge = {"id": KEY_ID, "job_id": JOB_ID, "minute": 0, "kind": "usage", "amount": "0.36", "shortfall": "0.00",
              "currency": "CNY", "card_seconds": 60, "package_id": None, "package_value": "0.00",
              "list_amount": "0.36", "vendor_cost": "0.30", "reason": None, "created_at": "2026-12-02T01:01:00Z"}
    total = {"amount": "0.72", "currency": "CNY"}
    api.routes[("GET", "/v1/usage")] = [{"items": [charge], "total": total, "next_cursor": "u1"},
                                        {"items": [{**charge, "minute": 1}], "total": total, "next_cursor": None}]
    usage = run("usage", "--all", "--limit", "1", "-o", "json")
    assert usage.exit_code == 0, usage.output
    document = json.loads(usage.stdout)
    assert [c["minute"] for c in document["items"]] == [0, 1]
    assert document["total"] == total and document["next_cursor"] is None
    assert [(r.url.params.get("limit"), r.url.params.get("cursor")) for r in api.requests[-2:]] == [("1", None),
                                                                                                   ("1", "u1")]


def test_without_all_a_listing_is_one_page(api):
    api.routes[("GET", "/v1/topics")] = {"items": [], "next_cursor": "t1"}
    result = run("topics", "ls", "--cursor", "t0", "-o", "json")
    assert result.exit_code == 0 and json.loads(result.stdout) == {"items": [], "next_cursor": "t1"}
    assert len(api.requests) == 1 and api.requests[0].url.params["cursor"] == "t0"


def test_jobs_logs_prints_the_tail_and_follows_with_f(api):
    api.routes[("GET", f"/v1/jobs/{JOB_ID}/logs")] = [
        httpx.Response(200, text="step 1/1000 loss 2.300\nexit status 0\n"),
        httpx.Response(200, content=b"data: step 2/1000 loss 2.100\n\nevent: end\ndata: SUCCEEDED\n\n",
                       headers={"content-type": "text/event-stream"})]
    shown = run("jobs", "logs", JOB_ID, "--tail", "2")
    assert shown.exit_code == 0 and shown.stdout == "step 1/1000 loss 2.300\nexit status 0\n"
    followed = run("jobs", "logs", JOB_ID, "-f")
    assert followed.exit_code == 0 and followed.stdout == "step 2/1000 loss 2.100\n"
    assert [dict(r.url.params) for r in api.requests] == [{"tail": "2"}, {"follow": "true"}]


def test_jobs_logs_of_a_vendor_without_logs_exits_3(api):
    api.routes[("GET", f"/v1/jobs/{JOB_ID}/logs")] = httpx.Response(
        501, json={"type": "https://switchyard.dev/problems/logs-unsupported", "title": "Logs unsupported",
                   "status": 501, "detail": "qizhi offers no job logs", "vendor": "qizhi"})
    refused = run("jobs", "logs", JOB_ID)
    assert refused.exit_code == 3 and "Logs unsupported (501)" in refused.stderr


def test_jobs_invoke_sends_the_json_and_prints_the_services_answer(api):
    api.routes[("POST", f"/v1/jobs/{JOB_ID}/invoke")] = httpx.Response(
        200, json={"model": "qwen-7b-chat", "input": {"prompt": "hi"}})
    result = run("jobs", "invoke", JOB_ID, "-d", '{"prompt": "hi"}')
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"model": "qwen-7b-chat", "input": {"prompt": "hi"}}
    sent = api.requests[0]
    assert (json.loads(sent.content), sent.headers["content-type"]) == ({"prompt": "hi"}, "application/json")


def test_jobs_invoke_sends_a_file_as_it_is_and_prints_a_text_answer(api, env):
    body = env / "input.txt"
    body.write_bytes(b"raw bytes\n")
    api.routes[("POST", f"/v1/jobs/{JOB_ID}/invoke")] = httpx.Response(200, text="plain answer",
                                                                        headers={"content-type": "text/plain"})
    result = run("jobs", "invoke", JOB_ID, "-f", str(body), "--content-type", "text/plain")
    assert result.exit_code == 0, result.output
    assert result.stdout == "plain answer"
    assert (api.requests[0].content, api.requests[0].headers["content-type"]) == (b"raw bytes\n", "text/plain")


def test_jobs_invoke_reads_data_from_a_file_named_with_an_at(api, env):
    body = env / "body.json"
    body.write_text('{"prompt": "from a file"}')
    api.routes[("POST", f"/v1/jobs/{JOB_ID}/invoke")] = httpx.Response(200, json={"ok": True})
    assert run("jobs", "invoke", JOB_ID, "--data", f"@{body}").exit_code == 0
    assert json.loads(api.requests[0].content) == {"prompt": "from a file"}
    missing = run("jobs", "invoke", JOB_ID, "--data", f"@{env / 'missing.json'}")
    assert missing.exit_code == 2 and "missing.json" in missing.stderr


def test_jobs_invoke_checks_its_json_and_reports_the_apis_problem(api):
    assert run("jobs", "invoke", JOB_ID, "-d", "{not json").exit_code == 2
    assert api.requests == []
    api.routes[("POST", f"/v1/jobs/{JOB_ID}/invoke")] = [httpx.Response(503, json={
        "type": "https://switchyard.dev/problems/upstream-unavailable", "title": "Service unavailable",
        "status": 503}, headers={"Retry-After": "0"}), httpx.Response(200, json={})]
    result = run("jobs", "invoke", JOB_ID, "-d", "{}")
    assert result.exit_code == 3 and "Service unavailable" in result.stderr
    assert len(api.requests) == 1  # a call to a service is never repeated by the client


def test_jobs_open_prints_the_notebook_page_and_opens_it(api, monkeypatch):
    opened = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    page = "http://127.0.0.1:18004/notebook/jupyter/lab-1/lab"
    api.routes[("GET", f"/v1/jobs/{JOB_ID}")] = {**RUNNING, "kind": "notebook", "endpoints": [
        {"type": "jupyter", "url": page, "expires_at": None}]}
    result = run("jobs", "open", JOB_ID)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == page and opened == [page]
    assert run("jobs", "open", JOB_ID, "--print").stdout.strip() == page and opened == [page]


def test_jobs_open_says_why_a_job_has_no_page(api):
    api.routes[("GET", f"/v1/jobs/{JOB_ID}")] = RUNNING
    result = run("jobs", "open", JOB_ID)
    assert result.exit_code == 2 and "not a notebook" in result.stderr


def test_jobs_metrics_shows_each_series_latest_value_and_json_is_the_apis(api):
    body = {"series": [{"name": "cpu_usage", "unit": "%", "points": [["2026-12-02T06:00:00Z", 70.2],
                                                                    ["2026-12-02T06:01:00Z", 35.04]]},
                       {"name": "npu_util", "unit": "%", "points": [["2026-12-02T06:01:00Z", 86.1]]}]}
    api.routes[("GET", f"/v1/jobs/{JOB_ID}/metrics")] = httpx.Response(200, json=body)
    shown = run("jobs", "metrics", JOB_ID)
    assert shown.exit_code == 0, shown.stderr
    rows = [line.split() for line in shown.stdout.splitlines()]
    assert rows == [["METRIC", "LATEST", "AT", "POINTS"], ["cpu_usage", "35.0%", "2026-12-02", "06:01:00", "2"],
                    ["npu_util", "86.1%", "2026-12-02", "06:01:00", "1"]]
    as_json = run("jobs", "metrics", JOB_ID, "-o", "json")
    assert as_json.exit_code == 0 and json.loads(as_json.stdout) == body


def test_jobs_metrics_of_a_vendor_without_metrics_exits_3(api):
    api.routes[("GET", f"/v1/jobs/{JOB_ID}/metrics")] = httpx.Response(
        501, json={"type": "https://switchyard.dev/problems/metrics-unsupported", "title": "Metrics unsupported",
                   "status": 501, "detail": "qizhi offers no job metrics", "vendor": "qizhi"})
    refused = run("jobs", "metrics", JOB_ID)
    assert refused.exit_code == 3 and "Metrics unsupported (501)" in refused.stderr


def test_the_waiting_line_of_a_queued_job_says_when_it_is_estimated_to_start():
    from switchyard_client import models as m
    from switchyard_client.cli.jobs import status_line

    queued = {**JOB, "status": "QUEUED", "queue": {"reason": "quota", "position": 2,
                                                   "estimated_start_at": "2026-12-02T01:10:00Z"}}
    events = m.JobEventList.from_api(EVENTS)
    assert "(queued: quota, #2, starts ~01:10:00 UTC)" in status_line(m.Job.from_api(queued), events)
    unknown = {**queued, "queue": {**queued["queue"], "estimated_start_at": None}}
    assert "(queued: quota, #2)" in status_line(m.Job.from_api(unknown), events)
