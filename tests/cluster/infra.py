"""The cluster run's machines: a private bridge of network namespaces (tests/cluster/netns.py) holding three Kafka
brokers (infra/kafka-cluster.sh), PostgreSQL (infra/postgres.sh), the four simulators and two hosts that each run
one replica of every service. Everything is reached by its host's address, never by loopback."""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import httpx

from tests.cluster.netns import SUBNET, Host, Network
from tests.e2e.stack import ROOT, SIMULATORS, stack_env

BROKERS = 3
# The last number of each host's address on the bridge.
HOSTS = {"k1": 11, "k2": 12, "k3": 13, "db": 20, "sim": 30, "a": 41, "b": 42}
SERVICE_HOSTS = ("a", "b")
SERVICES = ("billing", "notifier", "scheduler", "watcher", "gateway")  # the gateway last: it forwards to the others
PORTS = {"gateway": 8000, "billing": 8101, "notifier": 8102, "scheduler": 8103}
HEALTH = {"gateway": "/readyz", "billing": "/healthz", "notifier": "/healthz", "scheduler": "/healthz"}
KAFKA_PORT, PG_PORT = 9092, 5432
SCRIPT_TIMEOUT_S = 300
# Room for every job at once; AI Space runs what its starting packages hold.
SIM_ARGS = {"modelarts": ["--capacity", "100"], "qizhi": ["--capacity", "100"], "caip": ["--flavor-replicas", "100"]}
# A replicated cluster's client settings (services/common/kafka_options.py): quick to see a broker or a consumer gone.
CLUSTER_SETTINGS = {
    "SWITCHYARD_KAFKA_REPLICATION_FACTOR": "3", "SWITCHYARD_KAFKA_MIN_INSYNC_REPLICAS": "2",
    "SWITCHYARD_KAFKA_DELIVERY_TIMEOUT_MS": "30000", "SWITCHYARD_KAFKA_METADATA_MAX_AGE_MS": "5000",
    "SWITCHYARD_KAFKA_SESSION_TIMEOUT_MS": "6000", "SWITCHYARD_KAFKA_HEARTBEAT_INTERVAL_MS": "1000",
    "SWITCHYARD_KAFKA_PARTITIONS": "6",
}


@dataclass
class ClusterInfra:
    """The brokers and the database, each on a host of its own."""

    data_dir: Path
    network: Network

    def host(self, name: str) -> Host:
        return self.network.hosts[name]

    @property
    def env(self) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")}
        brokers = [self.host(f"k{n}") for n in range(1, BROKERS + 1)]
        return {**base, "SWITCHYARD_DATA_DIR": str(self.data_dir),
                "SWITCHYARD_KAFKA_CLUSTER_HOSTS": ",".join(b.address for b in brokers),
                "SWITCHYARD_KAFKA_CLUSTER_NETNS": ",".join(b.name for b in brokers),
                "SWITCHYARD_KAFKA_CLUSTER_PORT": str(KAFKA_PORT),
                "SWITCHYARD_PG_HOST": self.host("db").address, "SWITCHYARD_PG_PORT": str(PG_PORT),
                "SWITCHYARD_PG_NETNS": self.host("db").name, "SWITCHYARD_PG_TRUST_NET": f"{SUBNET}.0/24"}

    @property
    def database_url(self) -> str:
        return f"postgresql://switchyard@{self.host('db').address}:{PG_PORT}/switchyard"

    @cached_property
    def bootstrap(self) -> str:
        return self.script("kafka-cluster", "bootstrap").strip()

    def script(self, piece: str, *args: str) -> str:
        result = subprocess.run(["bash", str(ROOT / "infra" / f"{piece}.sh"), *args], cwd=ROOT, env=self.env,
                                capture_output=True, text=True, timeout=SCRIPT_TIMEOUT_S)
        if result.returncode != 0:
            raise RuntimeError(f"infra/{piece}.sh {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start(self) -> None:
        subprocess.run(["rm", "-rf", str(self.data_dir)], check=True)  # every run from an empty cluster
        self.script("postgres", "start")
        self.script("kafka-cluster", "start")

    def stop(self) -> None:
        if self.data_dir.exists():
            for piece in ("kafka-cluster", "postgres"):
                try:
                    self.script(piece, "stop")
                except (RuntimeError, subprocess.TimeoutExpired) as exc:
                    print(f"cluster: {piece} stop: {exc}")

    def kill_broker(self, node: int) -> None:
        self.script("kafka-cluster", "kill-node", str(node))

    def start_broker(self, node: int) -> None:
        self.script("kafka-cluster", "start-node", str(node))


@dataclass
class ClusterStack:
    """Two replicas of every service, one per host, and the simulators on a host of their own."""

    infra: ClusterInfra
    topic_prefix: str
    log_dir: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)  # "a/gateway", "sim/modelarts"

    def address(self, host: str) -> str:
        return self.infra.host(host).address

    def url(self, host: str, service: str) -> str:
        port = PORTS.get(service) or SIMULATORS[service].DEFAULT_PORT
        return f"http://{self.address(host)}:{port}"

    @property
    def gateways(self) -> list[str]:
        return [self.url(host, "gateway") for host in SERVICE_HOSTS]

    def env(self, host: str) -> dict[str, str]:
        """A host's services call the replicas on their own host, the simulators' host and the shared brokers and
        database."""
        ports = {**PORTS, "scheduler_metrics": 9101, "watcher_metrics": 9102,
                 **{vendor: module.DEFAULT_PORT for vendor, module in SIMULATORS.items()}}
        env = stack_env(self.infra.database_url, self.infra.bootstrap, self.topic_prefix, ports)
        env.update(CLUSTER_SETTINGS)
        env.update({"SWITCHYARD_LISTEN_HOST": self.address(host),
                    **{f"SWITCHYARD_{s.upper()}_URL": self.url(host, s) for s in ("billing", "notifier", "scheduler")},
                    **{f"SWITCHYARD_{v.upper()}_ENDPOINT": self.url("sim", v) for v in SIMULATORS}})
        return env

    def command(self, service: str) -> list[str]:
        if service in SIMULATORS:
            return [sys.executable, "-m", "services.vendorsim", service, "--host", self.address("sim"),
                    "--port", str(SIMULATORS[service].DEFAULT_PORT), *SIMULATORS[service].FAST_ARGS,
                    *SIM_ARGS.get(service, [])]
        return [sys.executable, "-m", f"services.{service}"]

    def start(self, host: str, service: str) -> None:
        log = open(self.log_dir / f"{host}-{service}.log", "ab")
        self.processes[f"{host}/{service}"] = subprocess.Popen(
            self.infra.host(host).command(self.command(service)), cwd=ROOT, env=self.env(host), stdout=log,
            stderr=subprocess.STDOUT)

    def start_host(self, host: str) -> None:
        for service in SERVICES:
            self.start(host, service)
        for service in SERVICES:
            self.wait_healthy(host, service)

    def kill(self, host: str, service: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes.pop(f"{host}/{service}")
        process.send_signal(sig)
        process.wait(timeout=30)

    def kill_host(self, host: str) -> int:
        """SIGKILL every process of the host at once; how many there were."""
        killed = self.infra.network.kill_everything_in(self.infra.host(host))
        for key in [k for k in self.processes if k.startswith(f"{host}/")]:
            self.processes.pop(key).wait(timeout=30)
        return len(killed)

    def wait_healthy(self, host: str, service: str, timeout_s: float = 120.0) -> None:
        if service == "watcher":
            path, url = "/metrics", f"http://{self.address(host)}:9102"  # no HTTP app: its metrics port
        elif service in SIMULATORS:
            path, url = "/_sim/faults", self.url(host, service)
        else:
            path, url = HEALTH[service], self.url(host, service)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            process = self.processes.get(f"{host}/{service}")
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"{host}/{service} exited with {process.returncode}:\n{self.log_tail(host, service)}")
            try:
                if httpx.get(url + path, timeout=2.0).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"{host}/{service} not healthy at {url}{path}:\n{self.log_tail(host, service)}")

    def log_tail(self, host: str, service: str, lines: int = 40) -> str:
        path = self.log_dir / f"{host}-{service}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def stop_all(self) -> None:
        for process in self.processes.values():
            process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()
