"""The cluster run: every service twice, on two hosts (network namespaces), on three Kafka brokers and a
PostgreSQL of their own (tests/cluster/infra.py). Runs only when asked (`make cluster`, which sets
SWITCHYARD_CLUSTER=1): it takes minutes, needs root for the namespaces, and kills brokers and hosts."""

import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

from services.common.migrations import upgrade_all
from tests.cluster import netns
from tests.cluster.infra import HOSTS, SERVICE_HOSTS, ClusterInfra, ClusterStack
from tests.e2e.stack import ROOT, SIMULATORS


def pytest_collection_modifyitems(config, items):
    if os.environ.get("SWITCHYARD_CLUSTER") == "1":
        return
    skip = pytest.mark.skip(reason="the cluster test runs with `make cluster` (SWITCHYARD_CLUSTER=1)")
    for item in items:
        if "tests/cluster/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def network():
    reason = netns.unavailable_reason()
    if reason is not None:
        pytest.skip(f"the cluster test needs Linux network namespaces: {reason}")
    network = netns.Network()
    network.up(HOSTS)
    try:
        yield network
    finally:
        network.down()


@pytest.fixture(scope="session")
def cluster_infra(network):
    infra = ClusterInfra(Path(os.environ.get("SWITCHYARD_CLUSTER_DATA_DIR", ROOT / ".data" / "cluster")), network)
    infra.start()
    try:
        yield infra
    finally:
        infra.stop()


@pytest.fixture(scope="session")
def cluster(cluster_infra):
    upgrade_all(cluster_infra.database_url)
    stack = ClusterStack(cluster_infra, topic_prefix=f"cluster{uuid.uuid4().hex[:8]}.",
                         log_dir=Path(tempfile.mkdtemp(prefix="switchyard-cluster-")))
    switchyard = Path(sys.executable).with_name("switchyard")
    subprocess.run([str(switchyard), "dev", "kafka-topics"], cwd=ROOT, env=stack.env("a"), check=True, timeout=120)
    try:
        for vendor in SIMULATORS:
            stack.start("sim", vendor)
        for vendor in SIMULATORS:
            stack.wait_healthy("sim", vendor)
        for host in SERVICE_HOSTS:
            stack.start_host(host)
        yield stack
    finally:
        stack.stop_all()
        print(f"\ncluster: service logs in {stack.log_dir}")
