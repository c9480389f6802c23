"""docker-compose.yml (no Docker engine here to run `docker compose config`): the services share a compose network
and name each other by service, nothing uses host networking, and the services meant to scale publish no host port,
so `docker compose up --scale scheduler=2` can start a second one."""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from services.vendorsim import available_simulators

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
SWITCHYARD = ("gateway", "scheduler", "watcher", "billing", "notifier")
SCALABLE = ("scheduler", "watcher", "billing", "notifier")
# The compose specification's top-level and service keys that this file may use.
TOP_LEVEL = {"name", "services", "networks", "volumes", "configs", "secrets"}
SERVICE_KEYS = {"build", "image", "command", "environment", "restart", "depends_on", "ports", "healthcheck",
                "networks", "volumes"}
KNOWN_SETTINGS = set(re.findall(r"^#?\s*(SWITCHYARD_[A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))


def env(service: str) -> dict[str, str]:
    return SERVICES[service].get("environment") or {}


def test_the_file_uses_only_keys_of_the_compose_specification():
    assert {k for k in COMPOSE if not k.startswith("x-")} <= TOP_LEVEL
    for name, service in SERVICES.items():
        assert set(service) <= SERVICE_KEYS, (name, set(service) - SERVICE_KEYS)
        for dependency, condition in (service.get("depends_on") or {}).items():
            assert dependency in SERVICES, (name, dependency)
            assert condition["condition"] in ("service_started", "service_healthy", "service_completed_successfully")


def test_nothing_uses_host_networking():
    assert [name for name, s in SERVICES.items() if "network_mode" in s] == []


@pytest.mark.parametrize("service", SCALABLE)
def test_a_service_meant_to_scale_publishes_no_host_port(service):
    assert "ports" not in SERVICES[service] and "container_name" not in SERVICES[service]


@pytest.mark.parametrize("service", [*SWITCHYARD, "setup"])
def test_every_address_a_service_is_given_is_a_service_of_the_file(service):
    settings = env(service)
    hosts = {urlsplit(settings["SWITCHYARD_DATABASE_URL"]).hostname}
    hosts |= {address.rsplit(":", 1)[0] for address in settings["SWITCHYARD_KAFKA_BOOTSTRAP_SERVERS"].split(",")}
    hosts |= {urlsplit(value).hostname for key, value in settings.items()
              if key.endswith(("_URL", "_ENDPOINT")) and key not in ("SWITCHYARD_DATABASE_URL", "SWITCHYARD_PUBLIC_URL")}
    assert hosts <= set(SERVICES), hosts - set(SERVICES)
    assert settings["SWITCHYARD_LISTEN_HOST"] == "0.0.0.0"  # reachable from the other containers
    assert set(settings) <= KNOWN_SETTINGS, set(settings) - KNOWN_SETTINGS


def test_each_internal_url_names_the_port_its_service_listens_on():
    settings = env("gateway")
    for service, default_port in (("billing", 8101), ("notifier", 8102), ("scheduler", 8103)):
        url = urlsplit(settings[f"SWITCHYARD_{service.upper()}_URL"])
        assert (url.hostname, url.port) == (service, default_port)


def test_every_simulator_runs_and_listens_beyond_its_container():
    for vendor, module in available_simulators().items():
        command = SERVICES[vendor]["command"]
        assert command[:4] == ["python", "-m", "services.vendorsim", vendor]
        assert command[command.index("--host") + 1] == "0.0.0.0"
        assert int(command[command.index("--port") + 1]) == module.DEFAULT_PORT
        endpoint = urlsplit(env("scheduler")[f"SWITCHYARD_{vendor.upper()}_ENDPOINT"])
        assert (endpoint.hostname, endpoint.port) == (vendor, module.DEFAULT_PORT)


def test_each_switchyard_service_runs_its_own_module_after_the_setup():
    for service in SWITCHYARD:
        assert SERVICES[service]["command"] == ["python", "-m", f"services.{service}"]
        assert SERVICES[service]["depends_on"]["setup"]["condition"] == "service_completed_successfully"
    assert "dev migrate" in SERVICES["setup"]["command"][-1] and "dev kafka-topics" in SERVICES["setup"]["command"][-1]
