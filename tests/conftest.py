"""Session fixtures shared by the integration and end-to-end tests.

`infra` starts PostgreSQL and Kafka through the project's own scripts when they are not running
(and stops at the end only what it started). With SWITCHYARD_TEST_INFRA=testcontainers, on a host
with a Docker engine, it starts them with testcontainers instead (`pip install testcontainers`).
"""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _script(piece: str, command: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(ROOT / "infra" / f"{piece}.sh"), command], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)


def _start_with_scripts() -> list[str]:
    started = []
    for piece in ("postgres", "kafka"):
        if _script(piece, "status").returncode != 0:
            result = _script(piece, "start")
            if result.returncode != 0:
                raise RuntimeError(f"infra/{piece}.sh start failed:\n{result.stdout}\n{result.stderr}")
            started.append(piece)
    return started


def _start_with_testcontainers():
    from testcontainers.kafka import KafkaContainer
    from testcontainers.postgres import PostgresContainer

    postgres = PostgresContainer("postgres:16", username="switchyard", password="switchyard", dbname="switchyard")
    kafka = KafkaContainer("apache/kafka:4.1.1").with_kraft()
    postgres.start()
    kafka.start()
    os.environ["SWITCHYARD_DATABASE_URL"] = postgres.get_connection_url(driver=None)
    os.environ["SWITCHYARD_KAFKA_BOOTSTRAP_SERVERS"] = kafka.get_bootstrap_server()
    return [postgres, kafka]


@pytest.fixture(scope="session")
def infra():
    from services.common.settings import get_settings

    if os.environ.get("SWITCHYARD_TEST_INFRA") == "testcontainers":
        containers = _start_with_testcontainers()
        get_settings.cache_clear()
        yield get_settings()
        for container in containers:
            container.stop()
        return
    started = _start_with_scripts()
    yield get_settings()
    for piece in reversed(started):
        _script(piece, "stop")
