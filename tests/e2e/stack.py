"""The whole stack as real processes: the ModelArts simulator and the five services, on a scratch
database and a private topic prefix, so a test run never mixes with a running dev stack."""

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from services.vendorsim import available_simulators

ROOT = Path(__file__).resolve().parents[2]
SIMULATORS = available_simulators()  # every vendor with a simulator takes part in the stack


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Stack:
    env: dict[str, str]
    log_dir: Path
    ports: dict[str, int]
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    def command(self, name: str) -> list[str]:
        if name in SIMULATORS:
            return [sys.executable, "-m", "services.vendorsim", name, "--port", str(self.ports[name]),
                    *SIMULATORS[name].FAST_ARGS]
        return [sys.executable, "-m", f"services.{name}"]

    def start(self, name: str) -> None:
        log = open(self.log_dir / f"{name}.log", "ab")
        self.processes[name] = subprocess.Popen(self.command(name), cwd=ROOT, env=self.env, stdout=log,
                                                stderr=subprocess.STDOUT)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes.pop(name)
        process.send_signal(sig)
        process.wait(timeout=30)

    def pause(self, name: str) -> None:
        """Freeze a process (SIGSTOP): it holds its sockets but answers nothing until `resume`."""
        self.processes[name].send_signal(signal.SIGSTOP)

    def resume(self, name: str) -> None:
        self.processes[name].send_signal(signal.SIGCONT)

    def stop_all(self) -> dict[str, int]:
        codes = {}
        for name, process in list(self.processes.items()):
            process.send_signal(signal.SIGTERM)
        for name, process in list(self.processes.items()):
            try:
                codes[name] = process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                codes[name] = process.wait()
        self.processes.clear()
        return codes

    def wait_healthy(self, name: str, path: str = "/healthz", timeout_s: float = 60.0) -> None:
        url = f"http://127.0.0.1:{self.ports[name]}{path}"
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            process = self.processes.get(name)
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{self.log_tail(name)}")
            try:
                if httpx.get(url, timeout=1.0).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{name} not healthy at {url}:\n{self.log_tail(name)}")

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.log_dir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def stack_env(database_url: str, bootstrap: str, topic_prefix: str, ports: dict[str, int]) -> dict[str, str]:
    vendors = {
        f"SWITCHYARD_{vendor.upper()}_ENDPOINT": f"http://127.0.0.1:{ports[vendor]}" for vendor in SIMULATORS
    }
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("SWITCHYARD_")},
        "PYTHONPATH": str(ROOT),
        "SWITCHYARD_DATABASE_URL": database_url,
        "SWITCHYARD_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "SWITCHYARD_TOPIC_PREFIX": topic_prefix,
        "SWITCHYARD_GATEWAY_PORT": str(ports["gateway"]),
        "SWITCHYARD_BILLING_URL": f"http://127.0.0.1:{ports['billing']}",
        "SWITCHYARD_NOTIFIER_URL": f"http://127.0.0.1:{ports['notifier']}",
        "SWITCHYARD_SCHEDULER_URL": f"http://127.0.0.1:{ports['scheduler']}",
        # Where the stack's ports say, else free ones: two stacks (or a `make up`) may run on one machine.
        "SWITCHYARD_SCHEDULER_METRICS_PORT": str(ports.get("scheduler_metrics") or free_port()),
        "SWITCHYARD_WATCHER_METRICS_PORT": str(ports.get("watcher_metrics") or free_port()),
        "SWITCHYARD_VENDORS": ",".join(SIMULATORS),
        **vendors,
        "SWITCHYARD_WEBHOOK_ALLOW_PRIVATE": "true",
        "SWITCHYARD_WATCH_INTERVAL_S": "0.5",
        "SWITCHYARD_WATCH_STARTING_S": "0.5",
        "SWITCHYARD_WATCH_RUNNING_S": "1",
        "SWITCHYARD_OUTBOX_POLL_S": "0.5",
        "SWITCHYARD_ADMISSION_MINUTES": "1",
        "SWITCHYARD_FUNDS_GRACE_S": "3",
        "SWITCHYARD_ADMIN_TOKEN": "e2e-admin-token",
        # The suite hammers the API from one address with few keys and tenants: the abuse limits and caps are
        # tested on a gateway of their own (tests/e2e/test_abuse_limits.py).
        "SWITCHYARD_RATE_LIMIT_PER_S": "100000",
        "SWITCHYARD_RATE_LIMIT_BURST": "100000",
        "SWITCHYARD_AUTH_FAILURE_LIMIT": "100000",
        **{f"SWITCHYARD_MAX_{cap}": "100000" for cap in (
            "OPEN_JOBS_PER_TENANT", "WEBHOOKS_PER_TENANT", "TOPICS_PER_TENANT", "SUBSCRIPTIONS_PER_TOPIC",
            "CONFIRMATION_EMAILS_PER_HOUR")},
    }
