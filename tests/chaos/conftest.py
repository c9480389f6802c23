"""The chaos stack: every simulator and service as processes, on a Kafka broker and a PostgreSQL cluster of its
own (tests/chaos/infra.py). Runs only when asked (`make chaos`, which sets SWITCHYARD_CHAOS=1): it takes minutes
and restarts its broker and database, so the everyday `make test` leaves it out."""

import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

from services.common.migrations import upgrade_all
from tests.chaos.infra import ChaosInfra, restartable_port
from tests.e2e.conftest import HEALTH, SERVICES
from tests.e2e.stack import ROOT, SIMULATORS, Stack, stack_env

# Room for every job at once on the vendors whose simulators take a capacity (4 slots each by default); AI Space
# runs what its starting packages hold, so fewer of its jobs are sent.
SIM_ARGS = {"modelarts": ["--capacity", "16"], "qizhi": ["--capacity", "16"]}


def pytest_collection_modifyitems(config, items):
    if os.environ.get("SWITCHYARD_CHAOS") == "1":
        return
    skip = pytest.mark.skip(reason="the chaos suite runs with `make chaos` (SWITCHYARD_CHAOS=1)")
    for item in items:
        if "tests/chaos/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(skip)


class ChaosStack(Stack):
    """The end-to-end stack, with simulators sized for the chaos workload."""

    def command(self, name: str) -> list[str]:
        return [*super().command(name), *SIM_ARGS.get(name, [])]


@pytest.fixture(scope="session")
def chaos_infra():
    infra = ChaosInfra.fresh(Path(os.environ.get("SWITCHYARD_CHAOS_DATA_DIR", ROOT / ".data" / "chaos")))
    infra.start()
    try:
        yield infra
    finally:
        infra.stop()


@pytest.fixture(scope="session")
def chaos_stack(chaos_infra):
    upgrade_all(chaos_infra.database_url)
    prefix = f"chaos{uuid.uuid4().hex[:8]}."
    ports: dict[str, int] = {}
    for service in SERVICES:  # killed services come back on the same port
        ports[service] = restartable_port({*ports.values(), chaos_infra.kafka_port, chaos_infra.controller_port,
                                           chaos_infra.pg_port})
    env = stack_env(chaos_infra.database_url, chaos_infra.bootstrap, prefix, ports)
    switchyard = Path(sys.executable).with_name("switchyard")
    subprocess.run([str(switchyard), "dev", "kafka-topics"], cwd=ROOT, env=env, check=True, timeout=120)
    stack = ChaosStack(env=env, log_dir=Path(tempfile.mkdtemp(prefix="switchyard-chaos-")), ports=ports)
    try:
        for service in SERVICES:
            stack.start(service)
        for service, path in HEALTH.items():
            stack.wait_healthy(service, path)
        yield stack
    finally:
        for name in SIMULATORS:
            if name in stack.processes:
                stack.resume(name)  # a frozen process would not hear the SIGTERM below
        stack.stop_all()
        print(f"\nchaos: service logs in {stack.log_dir}")
