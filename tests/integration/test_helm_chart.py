"""The Helm chart (deploy/helm/switchyard): `helm lint` passes, and what `helm template` renders is valid against
the Kubernetes API schema and deploys what the services need: a Deployment per service with its replicas, probes on
its health route, resources, migrations before the pods, settings in a ConfigMap, secrets only by reference and
vendor credentials only where vendors are called. Helm is built from its Go module by infra/helm.sh when missing."""

import base64
import copy
import subprocess
from collections import Counter
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "switchyard"
TEST_VALUES = CHART / "ci" / "test-values.yaml"
# The oldest Kubernetes the chart allows (Chart.yaml's kubeVersion) and the newest schema at hand.
KUBERNETES_VERSIONS = ("1.27", "1.37")
SERVICES = ("gateway", "scheduler", "watcher", "billing", "notifier")
CALL_VENDORS = {"scheduler", "watcher"}
# The health route each service answers (the watcher has no HTTP app: its /metrics port answers while it lives).
HEALTH = {"gateway": ("/readyz", "/healthz"), "scheduler": ("/healthz", "/healthz"), "billing": ("/healthz", "/healthz"),
          "notifier": ("/healthz", "/healthz"), "watcher": ("/metrics", "/metrics")}
SECRET_SETTINGS = ("SWITCHYARD_DATABASE_URL", "SWITCHYARD_ADMIN_TOKEN", "_AK", "_SK", "_PASSWORD", "_USERNAME")


@pytest.fixture(scope="module")
def helm() -> str:
    built = subprocess.run(["bash", str(ROOT / "infra" / "helm.sh"), "path"], cwd=ROOT, capture_output=True,
                           text=True, timeout=1800)
    assert built.returncode == 0, built.stderr
    return built.stdout.strip().splitlines()[-1]


def render(helm: str, *args: str) -> list[dict]:
    result = subprocess.run([helm, "template", "sy", str(CHART), "--namespace", "switchyard", *args],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="module")
def objects(helm) -> list[dict]:
    return render(helm, "-f", str(TEST_VALUES))


def of_kind(objects: list[dict], kind: str) -> dict[str, dict]:
    return {o["metadata"]["labels"].get("app.kubernetes.io/component", o["metadata"]["name"]): o
            for o in objects if o["kind"] == kind}


def pod_spec(objects, service: str) -> dict:
    return of_kind(objects, "Deployment")[service]["spec"]["template"]["spec"]


def test_helm_lint_passes_with_warnings_counted_as_failures(helm):
    result = subprocess.run([helm, "lint", "--strict", str(CHART), "-f", str(TEST_VALUES)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 chart(s) failed" in result.stdout


@pytest.mark.parametrize("kubernetes", KUBERNETES_VERSIONS)
def test_every_rendered_object_is_valid_against_the_kubernetes_schema(objects, kubernetes):
    checked = Counter()
    for o in objects:
        if o["apiVersion"].startswith("monitoring.coreos.com/"):
            continue  # a CRD's object: no schema in the Kubernetes API (checked below)
        kubernetes_validate.validate(o, kubernetes, strict=True)
        checked[o["kind"]] += 1
    assert checked == {"Deployment": 5, "Service": 5, "PodDisruptionBudget": 5, "ConfigMap": 2, "Secret": 2,
                       "Ingress": 1, "Job": 1}


def test_the_schema_check_refuses_a_field_kubernetes_does_not_know(objects):
    deployment = copy.deepcopy(of_kind(objects, "Deployment")["gateway"])
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["paht"] = "/readyz"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[-1], strict=True)


def test_a_deployment_per_service_with_the_replicas_asked(objects):
    deployments = of_kind(objects, "Deployment")
    assert set(deployments) == set(SERVICES)
    replicas = {name: d["spec"]["replicas"] for name, d in deployments.items()}
    assert replicas == {"gateway": 3, "scheduler": 2, "watcher": 2, "billing": 2, "notifier": 2}
    for name, d in deployments.items():
        assert d["spec"]["template"]["spec"]["containers"][0]["command"] == ["python", "-m", f"services.{name}"]


def test_probes_ask_each_service_s_health_route_on_a_port_it_opens(objects):
    for service, (readiness, liveness) in HEALTH.items():
        container = pod_spec(objects, service)["containers"][0]
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        for probe, path in (("readinessProbe", readiness), ("livenessProbe", liveness)):
            assert container[probe]["httpGet"]["path"] == path, (service, probe)
            assert container[probe]["httpGet"]["port"] in ports, (service, probe)


def test_with_metrics_off_the_watcher_has_no_probe_on_the_port_it_no_longer_opens(helm):
    objects = render(helm, "-f", str(TEST_VALUES), "--set-string", "settings.SWITCHYARD_METRICS=false")
    watcher = pod_spec(objects, "watcher")["containers"][0]
    assert "readinessProbe" not in watcher and "livenessProbe" not in watcher
    assert pod_spec(objects, "gateway")["containers"][0]["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_every_container_requests_cpu_and_memory_and_has_a_memory_limit(objects):
    containers = [pod_spec(objects, s)["containers"][0] for s in SERVICES]
    job = next(o for o in objects if o["kind"] == "Job")
    for container in [*containers, job["spec"]["template"]["spec"]["containers"][0]]:
        assert {"cpu", "memory"} <= set(container["resources"]["requests"]), container["name"]
        assert "memory" in container["resources"]["limits"], container["name"]


def test_migrations_and_topics_run_as_a_hook_before_the_pods(objects):
    (job,) = [o for o in objects if o["kind"] == "Job"]
    assert set(job["metadata"]["annotations"]["helm.sh/hook"].split(",")) == {"pre-install", "pre-upgrade"}
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert "dev migrate" in container["command"][-1] and "dev kafka-topics" in container["command"][-1]
    env = {e["name"]: e for e in container["env"]}
    assert env["SWITCHYARD_KAFKA_REPLICATION_FACTOR"]["value"] == "3"
    assert env["SWITCHYARD_KAFKA_MIN_INSYNC_REPLICAS"]["value"] == "2"
    assert env["SWITCHYARD_DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {"name": "switchyard-db-app", "key": "uri"}


def test_no_secret_is_inlined_and_vendor_credentials_reach_only_the_pods_that_call_vendors(objects):
    secrets = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Secret"}
    vendor_secret = "sy-switchyard-vendors"
    assert base64.b64decode(secrets[vendor_secret]["data"]["SWITCHYARD_MODELARTS_SK"]) == b"chart-test-sk"
    for config_map in (o for o in objects if o["kind"] == "ConfigMap"):
        leaked = [k for k in config_map["data"] if any(k.endswith(s) or k == s for s in SECRET_SETTINGS)]
        assert not leaked, (config_map["metadata"]["name"], leaked)
    for service in SERVICES:
        container = pod_spec(objects, service)["containers"][0]
        inlined = [e["name"] for e in container.get("env", []) if "value" in e
                   and any(e["name"].endswith(s) for s in SECRET_SETTINGS)]
        assert not inlined, (service, inlined)
        secret_refs = {ref["secretRef"]["name"] for ref in container["envFrom"] if "secretRef" in ref}
        assert (vendor_secret in secret_refs) == (service in CALL_VENDORS), service
        assert ("sy-switchyard-admin" in secret_refs) == (service == "gateway"), service
        config_refs = {ref["configMapRef"]["name"] for ref in container["envFrom"] if "configMapRef" in ref}
        assert ("sy-switchyard-vendors" in config_refs) == (service in CALL_VENDORS), service


def test_the_config_map_holds_only_settings_the_services_know(objects):
    known = {line.split("=", 1)[0].lstrip("# ").strip() for line in (ROOT / ".env.example").read_text().splitlines()
             if "SWITCHYARD_" in line.split("=", 1)[0] and "=" in line}
    settings = next(o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "sy-switchyard-settings")
    assert set(settings["data"]) - known == set()
    assert settings["data"]["SWITCHYARD_LISTEN_HOST"] == "0.0.0.0"
    assert settings["data"]["SWITCHYARD_BILLING_URL"] == "http://sy-switchyard-billing:8101"
    assert settings["data"]["SWITCHYARD_PUBLIC_URL"] == "https://switchyard.example.com"


def test_services_budgets_and_monitors_select_each_deployment_s_pods(objects):
    for kind in ("Service", "PodDisruptionBudget", "ServiceMonitor"):
        selecting = of_kind(objects, kind)
        assert set(selecting) == set(SERVICES), kind
        for service, o in selecting.items():
            labels = of_kind(objects, "Deployment")[service]["spec"]["template"]["metadata"]["labels"]
            selector = o["spec"]["selector"]
            selector = selector.get("matchLabels", selector)
            assert selector.items() <= labels.items(), (kind, service)
    for service, monitor in of_kind(objects, "ServiceMonitor").items():
        port_names = {p["name"] for p in of_kind(objects, "Service")[service]["spec"]["ports"]}
        assert monitor["spec"]["endpoints"][0]["port"] in port_names, service
        assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"


def test_the_ingress_routes_to_the_gateway_only(objects):
    (ingress,) = [o for o in objects if o["kind"] == "Ingress"]
    backends = [path["backend"]["service"] for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]]
    assert backends == [{"name": "sy-switchyard-gateway", "port": {"name": "http"}}]


def test_existing_secrets_are_referenced_and_not_rendered(helm):
    objects = render(helm, "--set", "adminToken.existingSecret=ops-admin", "--set", "vendors.existingSecret=ops-vendors")
    assert [o for o in objects if o["kind"] == "Secret"] == []
    refs = {s: {r["secretRef"]["name"] for r in pod_spec(objects, s)["containers"][0]["envFrom"] if "secretRef" in r}
            for s in SERVICES}
    assert refs["gateway"] == {"ops-admin"} and refs["scheduler"] == refs["watcher"] == {"ops-vendors"}


def test_an_install_without_an_admin_token_is_refused_with_the_reason(helm):
    result = subprocess.run([helm, "template", "sy", str(CHART)], capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "adminToken" in result.stderr
