"""The `switchyard` command as a subprocess against the real stack: launch a YAML job and watch it, its logs, a failing
job, list, usage, cancel, a bad file, a wrong key, a key made, used and revoked; and the live line in a pseudo-terminal."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from tests.e2e.helpers import amount, job_in, wait_for

pytestmark = pytest.mark.e2e

SWITCHYARD = str(Path(sys.executable).with_name("switchyard"))
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "train.yaml"


def cli_env(stack, key: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWITCHYARD_")}
    return env | {"SWITCHYARD_API_URL": stack.gateway, "SWITCHYARD_API_KEY": key, "SWITCHYARD_POLL_S": "0.3",
                  "XDG_CONFIG_HOME": "/nonexistent", "COLUMNS": "200"}


def api_key(tenant) -> str:
    return tenant.headers["authorization"].removeprefix("Bearer ")


@pytest.fixture
def switchyard(stack, tenant):
    """Run the command line as the tenant; answers the finished process (exit code, stdout, stderr)."""

    def run(*args: str, key: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([SWITCHYARD, *args], env=cli_env(stack, key or api_key(tenant)), capture_output=True,
                              text=True, timeout=timeout)

    return run


def launched_id(stdout: str) -> str:
    return next(line.split()[1] for line in stdout.splitlines() if line.startswith("job "))


def test_launch_wait_runs_the_example_to_success_and_shows_vendor_and_cost(switchyard, tenant):
    done = switchyard("jobs", "launch", "-f", str(EXAMPLE), "--env", "SWITCHYARD_SIM_RUN_SECONDS=2", "--wait")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "placement: modelarts · " in done.stdout and "CNY/h · max cost " in done.stdout
    job_id = launched_id(done.stdout)
    job = tenant.get(f"/v1/jobs/{job_id}").json()
    assert job["status"] == "SUCCEEDED" and job["name"] == "resnet50"
    final = done.stdout.strip().splitlines()[-1]
    assert final.startswith(f"job {job_id} SUCCEEDED on modelarts ({job['flavor']})")
    assert " CNY" in final.split("cost ")[1]

    listed = switchyard("jobs", "ls", "-o", "json")
    assert listed.returncode == 0, listed.stderr
    assert job_id in [item["id"] for item in json.loads(listed.stdout)["items"]]

    logs = switchyard("jobs", "logs", job_id[:8])  # the job's output on ModelArts, to its exit line
    assert logs.returncode == 0, logs.stderr
    lines = logs.stdout.splitlines()
    assert any(" step " in line for line in lines) and lines[-1].endswith("exit status 0"), lines  # "[worker-0] ..."

    # Once billing has charged every minute (the job's cost is the charges' sum), the command's totals are the API's.
    wait_for(lambda: (u := tenant.get("/v1/usage", params={"job_id": job_id}).json())["items"] and
             u["total"]["amount"] == tenant.get(f"/v1/jobs/{job_id}").json()["cost"]["amount"],
             what="the charges to add up to the job's cost")
    usage = switchyard("usage", "--job", job_id[:8], "-o", "json")
    assert usage.returncode == 0, usage.stderr
    api = tenant.get("/v1/usage", params={"job_id": job_id, "limit": 1000}).json()
    assert json.loads(usage.stdout)["total"] == api["total"] and amount(api["total"]["amount"]) > 0
    grouped = json.loads(switchyard("usage", "--group-by", "vendor", "-o", "json").stdout)
    assert grouped["total"] == tenant.get("/v1/usage", params={"group_by": "vendor"}).json()["total"]


def test_a_job_that_fails_exits_1(switchyard):
    done = switchyard("jobs", "launch", "-f", str(EXAMPLE), "--name", "doomed", "--wait",
                      "--env", "SWITCHYARD_SIM_RUN_SECONDS=1", "--env", "SWITCHYARD_SIM_OUTCOME=failed")
    assert done.returncode == 1, done.stdout + done.stderr
    assert " FAILED on modelarts" in done.stdout.strip().splitlines()[-1]


def test_cancel_stops_a_running_job(switchyard, tenant):
    launched = switchyard("jobs", "launch", "-f", str(EXAMPLE), "--env", "SWITCHYARD_SIM_RUN_SECONDS=600")
    assert launched.returncode == 0, launched.stderr
    job_id = launched_id(launched.stdout)
    job_in(tenant, job_id, "RUNNING")
    cancelled = switchyard("jobs", "cancel", job_id[:8])
    assert cancelled.returncode == 0, cancelled.stderr
    assert f"cancelling job {job_id}" in cancelled.stdout
    waited = switchyard("jobs", "wait", job_id)
    assert waited.returncode == 1 and " STOPPED on modelarts" in waited.stdout


def test_a_bad_file_exits_2_naming_field_and_line_and_submits_nothing(switchyard, tenant, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.read_text().replace("  count: 1", "  count: 100"))
    done = switchyard("jobs", "launch", "-f", str(bad), "--wait")
    assert done.returncode == 2
    line = next(n for n, text in enumerate(bad.read_text().splitlines(), 1) if "count: 100" in text)
    assert f"{bad}:{line}: resources.count:" in done.stderr
    assert tenant.get("/v1/jobs").json()["items"] == []


def test_a_wrong_key_exits_3_with_the_problem_on_stderr(switchyard):
    done = switchyard("balance", key="sk_not_a_key")
    assert done.returncode == 3
    assert done.stderr.startswith("error: ") and "(401)" in done.stderr and done.stdout == ""


def test_a_key_made_with_the_command_works_until_it_is_revoked(switchyard):
    made = switchyard("keys", "create", "ci", "-o", "json")
    assert made.returncode == 0, made.stderr
    key = json.loads(made.stdout)
    assert key["name"] == "ci" and key["api_key"].startswith(key["prefix"])
    listed = switchyard("keys", "ls", "--all", "-o", "json", key=key["api_key"])
    assert listed.returncode == 0, listed.stderr
    assert {"default", "ci"} <= {k["name"] for k in json.loads(listed.stdout)["items"]}
    revoked = switchyard("keys", "rm", key["id"])
    assert revoked.returncode == 0 and f"revoked API key {key['id']}" in revoked.stdout
    refused = switchyard("balance", key=key["api_key"])
    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert "(401)" in refused.stderr
    assert switchyard("balance").returncode == 0  # the tenant's other key is untouched


def test_an_unreachable_api_exits_4(stack, tenant):
    env = cli_env(stack, api_key(tenant)) | {"SWITCHYARD_API_URL": "http://127.0.0.1:9"}
    done = subprocess.run([SWITCHYARD, "balance"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 4 and "cannot reach" in done.stderr


def _spawn(stack, tenant, *args: str) -> pexpect.spawn:
    return pexpect.spawn(SWITCHYARD, list(args), env=cli_env(stack, api_key(tenant)), encoding="utf-8",
                         dimensions=(40, 200), timeout=90)


def test_the_live_line_in_a_terminal_shows_status_vendor_and_cost(stack, tenant):
    # A long job, ended by a cancel once the line shows it running: nothing here races the job's own clock.
    child = _spawn(stack, tenant, "jobs", "launch", "-f", str(EXAMPLE), "--wait",
                   "--env", "SWITCHYARD_SIM_RUN_SECONDS=600")
    child.expect(r"job (\S+) PENDING")
    job_id = child.match.group(1)
    child.expect(r"RUNNING · modelarts · modelarts\.\S+ · \d+:\d\d:\d\d · [0-9.]+ CNY so far · \S+→RUNNING")
    assert tenant.post(f"/v1/jobs/{job_id}/cancel").status_code == 202
    child.expect(rf"job {job_id} STOPPED on modelarts \(modelarts\.\S+\), ran \d+:\d\d:\d\d, cost [0-9.]+ CNY")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1


def test_ctrl_c_stops_waiting_and_leaves_the_job_running(stack, tenant):
    child = _spawn(stack, tenant, "jobs", "launch", "-f", str(EXAMPLE), "--wait",
                   "--env", "SWITCHYARD_SIM_RUN_SECONDS=600")
    child.expect(r"job (\S+) PENDING")
    job_id = child.match.group(1)
    child.expect("RUNNING · modelarts")
    child.sendintr()
    child.expect("was not cancelled")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    # Still running after the command is gone: nothing was cancelled.
    assert tenant.get(f"/v1/jobs/{job_id}").json()["status"] == "RUNNING"
    assert tenant.post(f"/v1/jobs/{job_id}/cancel").status_code == 202
