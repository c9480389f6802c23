"""The chaos run's own Kafka broker and PostgreSQL cluster: started with infra/kafka.sh and infra/postgres.sh in a
data directory and on ports of their own, so restarting them mid-run never touches the shared ones (9092, 55432)
that other tests use."""

import os
import random
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.stack import ROOT

SCRIPT_TIMEOUT_S = 300  # a first start may fetch Kafka's jars or initdb a cluster
# Below Linux's ephemeral range (32768-60999) and above the shared 9092/9093/55432's neighbours: a port the kernel
# hands out for outgoing connections could be taken while its server is down, and these servers come back.
PORT_RANGE = (20000, 32000)


def restartable_port(taken: set[int] = frozenset()) -> int:
    """A free port that no outgoing connection will take while the server on it restarts."""
    while True:
        port = random.randrange(*PORT_RANGE)
        if port in taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port


def _alive(pid: int) -> bool:
    """The process exists and is not a zombie (the broker runs in a session of its own, reaped by init)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


@dataclass
class ChaosInfra:
    data_dir: Path
    kafka_port: int
    controller_port: int
    pg_port: int

    @classmethod
    def fresh(cls, data_dir: Path) -> "ChaosInfra":
        ports: set[int] = set()
        while len(ports) < 3:
            ports.add(restartable_port(ports))
        kafka_port, controller_port, pg_port = sorted(ports)
        return cls(data_dir, kafka_port, controller_port, pg_port)

    @property
    def env(self) -> dict[str, str]:
        # DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS would make the scripts use (and "stop") an external server.
        base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")}
        return {**base, "SWITCHYARD_DATA_DIR": str(self.data_dir), "SWITCHYARD_PG_PORT": str(self.pg_port),
                "SWITCHYARD_KAFKA_PORT": str(self.kafka_port),
                "SWITCHYARD_KAFKA_CONTROLLER_PORT": str(self.controller_port)}

    @property
    def database_url(self) -> str:
        return f"postgresql://switchyard@127.0.0.1:{self.pg_port}/switchyard"

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    def script(self, piece: str, command: str) -> float:
        """Run infra/<piece>.sh <command> on this instance; seconds it took."""
        began = time.monotonic()
        result = subprocess.run(["bash", str(ROOT / "infra" / f"{piece}.sh"), command], cwd=ROOT, env=self.env,
                                capture_output=True, text=True, timeout=SCRIPT_TIMEOUT_S)
        if result.returncode != 0:
            raise RuntimeError(f"infra/{piece}.sh {command} (data {self.data_dir}) failed:\n"
                               f"{result.stdout}\n{result.stderr}")
        return time.monotonic() - began

    def start(self) -> None:
        self.stop()  # a run cut short may have left this instance running
        shutil.rmtree(self.data_dir, ignore_errors=True)  # every run starts from an empty cluster and broker
        self.script("postgres", "start")
        self.script("kafka", "start")

    def stop(self) -> None:
        if self.data_dir.exists():
            self.script("kafka", "stop")
            self.script("postgres", "stop")

    def restart(self, piece: str, down_s: float) -> float:
        """Stop `piece` (kafka or postgres), keep it down for `down_s`, start it again; seconds it was away."""
        began = time.monotonic()
        self.script(piece, "stop")
        time.sleep(down_s)  # the deliberate outage
        self.script(piece, "start")
        return time.monotonic() - began

    def crash_kafka(self, down_s: float) -> float:
        """SIGKILL the broker (no clean shutdown: its logs are recovered at start), keep it down for `down_s`, start
        it again; seconds it was away."""
        began = time.monotonic()
        pid = int((self.data_dir / "kafka" / "kafka.pid").read_text().strip())
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(down_s)  # the deliberate outage
        self.script("kafka", "start")
        return time.monotonic() - began
