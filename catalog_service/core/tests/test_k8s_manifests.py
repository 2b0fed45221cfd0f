"""deploy/k8s as the pinned kubectl renders it: what the schemas (`make lint`) cannot check.
References between objects, resources and probes, image tags, one beat, grace periods against
the timeouts they must outlast, and the connection budget of the largest scale-out."""

import importlib.util
import re
from pathlib import Path

import pytest
from django.conf import settings

from catalog_service.events.services import RELAY_LOCK_WAIT_SECONDS
from testing.services import unavailable

ROOT = Path(__file__).resolve().parents[3]
_spec = importlib.util.spec_from_file_location("k8s_check", ROOT / "deploy" / "k8s" / "check.py")
check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check)

START_API = (ROOT / "bin" / "start-api").read_text()
ANNOTATION = "catalog.example.com/postgres-{}-connections"
# Beat: its scheduler lock's own connection, and one of Django's, should anything query there.
BEAT_CONNECTIONS = 2
# The Celery worker's cold shutdown after the soft timeout: cancel, requeue, close, exit.
COLD_SHUTDOWN_SECONDS = 10


@pytest.fixture(scope="module")
def objects() -> list[dict]:
    if not check.KUBECTL.is_file():
        unavailable(f"{check.KUBECTL} is missing: `make test` installs it")
    return [doc for folder in check.FOLDERS for doc in check.render(folder)]


def of_kind(objects, kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in objects if doc["kind"] == kind}


def containers(deployment: dict) -> dict[str, dict]:
    return {c["name"]: c for c in deployment["spec"]["template"]["spec"]["containers"]}


def setting(objects, container: dict, name: str) -> str:
    """A variable as the container sees it: its own env, then its ConfigMaps, then the default
    of bin/start-api or of the settings."""
    for variable in container.get("env", []):
        if variable["name"] == name:
            return variable["value"]
    config_maps = of_kind(objects, "ConfigMap")
    for source in container.get("envFrom", []):
        data = config_maps.get(source.get("configMapRef", {}).get("name"), {}).get("data", {})
        if name in data:
            return data[name]
    if match := re.search(rf"\${{{name}:-([^}}]*)}}", START_API):
        return match.group(1)
    return str(getattr(settings, name))


def quantity(value) -> float:
    """A Kubernetes quantity (cpu: cores, memory: bytes)."""
    units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 1e3, "M": 1e6, "G": 1e9}
    number, unit = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(value)).groups()
    return float(number) * units.get(unit, 1)


def autoscaled(objects) -> dict[str, tuple[dict, int]]:
    """Deployment name -> (the autoscaler, its maximum)."""
    found = {}
    for hpa in of_kind(objects, "HorizontalPodAutoscaler").values():
        found[hpa["spec"]["scaleTargetRef"]["name"]] = (hpa, hpa["spec"]["maxReplicas"])
    for scaled in of_kind(objects, "ScaledObject").values():
        found[scaled["spec"]["scaleTargetRef"]["name"]] = (
            scaled,
            scaled["spec"]["maxReplicaCount"],
        )
    return found


def test_k8s_autoscalers_target_deployments_that_leave_them_the_replicas(objects):
    deployments = of_kind(objects, "Deployment")
    targets = autoscaled(objects)
    assert set(targets) == {"catalog-api", "catalog-worker"}
    for name, (autoscaler, maximum) in targets.items():
        target = autoscaler["spec"]["scaleTargetRef"]
        assert target.get("kind", "Deployment") == "Deployment"
        assert name in deployments, autoscaler
        # An apply must not reset what the autoscaler chose.
        assert "replicas" not in deployments[name]["spec"], name
        minimum = autoscaler["spec"].get("minReplicas", autoscaler["spec"].get("minReplicaCount"))
        assert 1 <= minimum < maximum
    for hpa in of_kind(objects, "HorizontalPodAutoscaler").values():
        pod = containers(deployments[hpa["spec"]["scaleTargetRef"]["name"]])
        for metric in hpa["spec"]["metrics"]:
            if metric["type"] == "ContainerResource":
                assert metric["containerResource"]["container"] in pod
        assert hpa["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"] > 0


def test_k8s_selectors_match_their_pods(objects):
    deployments = of_kind(objects, "Deployment")
    for deployment in deployments.values():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()

    def selected(selector: dict) -> list[str]:
        return [
            name
            for name, d in deployments.items()
            if selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()
        ]

    budgets = of_kind(objects, "PodDisruptionBudget")
    assert {
        name for b in budgets.values() for name in selected(b["spec"]["selector"]["matchLabels"])
    } == {
        "catalog-api",
        "catalog-worker",
    }
    for budget in budgets.values():
        assert len(selected(budget["spec"]["selector"]["matchLabels"])) == 1, budget
    services = of_kind(objects, "Service")
    # The API's Service, and one headless Service per component for Prometheus to find its pods.
    assert {name: selected(s["spec"]["selector"]) for name, s in services.items()} == {
        "catalog-api": ["catalog-api"],
        "catalog-api-metrics": ["catalog-api"],
        "catalog-worker-metrics": ["catalog-worker"],
        "catalog-beat-metrics": ["catalog-beat"],
    }
    for service in services.values():
        (deployment,) = selected(service["spec"]["selector"])
        ports = {
            port["name"]
            for container in containers(deployments[deployment]).values()
            for port in container.get("ports", [])
        }
        assert {port["targetPort"] for port in service["spec"]["ports"]} <= ports, service
    for monitor in of_kind(objects, "ServiceMonitor").values():
        matches = [
            s
            for s in services.values()
            if monitor["spec"]["selector"]["matchLabels"].items() <= s["metadata"]["labels"].items()
        ]
        assert len(matches) == 1, monitor
        (service,) = matches
        names = {port["name"] for port in service["spec"]["ports"]}
        assert {endpoint["port"] for endpoint in monitor["spec"]["endpoints"]} <= names
    api = deployments["catalog-api"]["spec"]["template"]
    for constraint in api["spec"]["topologySpreadConstraints"]:
        assert (
            constraint["labelSelector"]["matchLabels"].items() <= api["metadata"]["labels"].items()
        )
    assert "kubernetes.io/hostname" in {
        c["topologyKey"] for c in api["spec"]["topologySpreadConstraints"]
    }


def test_k8s_scaled_object_reads_the_broker_with_the_workers_secret(objects):
    (scaled,) = of_kind(objects, "ScaledObject").values()
    (trigger,) = scaled["spec"]["triggers"]
    authentication = of_kind(objects, "TriggerAuthentication")[trigger["authenticationRef"]["name"]]
    worker = containers(of_kind(objects, "Deployment")["catalog-worker"])["worker"]
    secrets = {s["secretRef"]["name"] for s in worker["envFrom"] if "secretRef" in s}
    assert {ref["name"] for ref in authentication["spec"]["secretTargetRef"]} <= secrets
    assert trigger["type"] == "redis" and trigger["metadata"]["listName"] == "celery"


def test_k8s_every_container_has_requests_and_limits(objects):
    pods = [d["spec"]["template"]["spec"] for d in objects if d["kind"] in ("Deployment", "Job")]
    assert len(pods) == 4
    for pod in pods:
        for container in pod["containers"]:
            resources = container["resources"]
            for resource in ("cpu", "memory"):
                request = quantity(resources["requests"][resource])
                assert 0 < request <= quantity(resources["limits"][resource]), container["name"]


def test_k8s_cpu_limits_leave_each_process_a_core(objects):
    deployments = of_kind(objects, "Deployment")
    api = containers(deployments["catalog-api"])["api"]
    worker = containers(deployments["catalog-worker"])["worker"]
    assert quantity(api["resources"]["limits"]["cpu"]) >= int(
        setting(objects, api, "WEB_CONCURRENCY")
    )
    assert quantity(worker["resources"]["limits"]["cpu"]) >= int(
        setting(objects, worker, "CELERY_CONCURRENCY")
    )


def test_k8s_probes_of_the_api_and_its_proxy(objects):
    pod = containers(of_kind(objects, "Deployment")["catalog-api"])
    api = pod["api"]
    ports = {port["name"] for port in api["ports"]}
    assert api["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert api["livenessProbe"]["httpGet"]["path"] == "/healthz"
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert api[probe]["httpGet"]["port"] in ports
    # A liveness probe queued behind busy workers gives up only after gunicorn's own timeout.
    liveness = api["livenessProbe"]
    patience = liveness["periodSeconds"] * liveness["failureThreshold"]
    assert patience > float(setting(objects, api, "GUNICORN_TIMEOUT"))
    for probe in ("readinessProbe", "livenessProbe"):
        assert probe in pod["proxy"]


def test_k8s_the_worker_has_a_liveness_probe_that_pings_itself(objects):
    worker = containers(of_kind(objects, "Deployment")["catalog-worker"])["worker"]
    command = " ".join(worker["livenessProbe"]["exec"]["command"])
    assert "inspect ping" in command and "celery@$HOSTNAME" in command


def test_k8s_no_image_is_latest_or_untagged(objects):
    images = [
        c["image"]
        for d in objects
        if d["kind"] in ("Deployment", "Job")
        for c in d["spec"]["template"]["spec"]["containers"]
    ]
    assert images
    for image in images:
        if "@sha256:" in image:
            continue
        last = image.rsplit("/", 1)[-1]
        assert ":" in last, f"{image} has no tag"
        assert last.rsplit(":", 1)[1] != "latest", image


def test_k8s_one_beat_never_two(objects):
    beat = of_kind(objects, "Deployment")["catalog-beat"]
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    assert "catalog-beat" not in autoscaled(objects)


def test_k8s_api_grace_period_outlasts_the_slowest_request(objects):
    pod = of_kind(objects, "Deployment")["catalog-api"]["spec"]["template"]["spec"]
    api = containers(of_kind(objects, "Deployment")["catalog-api"])["api"]
    pause = int(api["lifecycle"]["preStop"]["exec"]["command"][-1])
    graceful = int(re.search(r"--graceful-timeout (\d+)", START_API).group(1))
    slowest = max(float(setting(objects, api, "GUNICORN_TIMEOUT")), graceful)
    assert pod["terminationGracePeriodSeconds"] > pause + slowest


def test_k8s_worker_grace_period_outlasts_the_longest_task(objects):
    pod = of_kind(objects, "Deployment")["catalog-worker"]["spec"]["template"]["spec"]
    worker = containers(of_kind(objects, "Deployment")["catalog-worker"])["worker"]

    def seconds(name: str) -> float:
        return float(setting(objects, worker, name))

    # SIGTERM must start the bounded (cold) shutdown, not the unbounded warm one.
    assert setting(objects, worker, "REMAP_SIGTERM") == "SIGQUIT"
    soft = seconds("CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT")
    relay = seconds("EVENTS_RELAY_SECONDS") + RELAY_LOCK_WAIT_SECONDS
    longest = max(
        relay + seconds("EVENTS_BROKER_TIMEOUT"),
        seconds("EMAIL_TIMEOUT"),
        seconds("WEBHOOK_TIMEOUT"),
    )
    assert soft >= longest
    assert pod["terminationGracePeriodSeconds"] >= soft + COLD_SHUTDOWN_SECONDS


def test_k8s_connection_budget_holds_at_the_largest_scale_out(objects):
    """Every process at its autoscaler's maximum, plus a rollout's extra pod, plus beat and the
    release Job, within PostgreSQL's max_connections less what is reserved."""
    deployments = of_kind(objects, "Deployment")
    config = of_kind(objects, "ConfigMap")["catalog-config"]["metadata"]["annotations"]
    available = int(config[ANNOTATION.format("max")]) - int(config[ANNOTATION.format("reserved")])
    maxima = {name: maximum for name, (_, maximum) in autoscaled(objects).items()}

    def pods(name: str) -> int:
        surge = deployments[name]["spec"]["strategy"]["rollingUpdate"]["maxSurge"]
        return maxima[name] + surge

    api = containers(deployments["catalog-api"])["api"]
    worker = containers(deployments["catalog-worker"])["worker"]
    per_api = int(setting(objects, api, "WEB_CONCURRENCY")) * int(
        setting(objects, api, "GUNICORN_THREADS")
    )
    per_worker = int(setting(objects, worker, "CELERY_CONCURRENCY"))
    jobs = sum(job["spec"].get("parallelism", 1) for job in of_kind(objects, "Job").values())
    total = (
        pods("catalog-api") * per_api
        + pods("catalog-worker") * per_worker
        + deployments["catalog-beat"]["spec"]["replicas"] * BEAT_CONNECTIONS
        + jobs
    )
    assert total <= available
    # docs/operations.md states the same sum.
    docs = (ROOT / "docs" / "operations.md").read_text()
    assert f"= **{total}** of {available}" in docs


def test_k8s_prometheus_scrapes_where_the_processes_serve(objects):
    deployments = of_kind(objects, "Deployment")
    for deployment, container, variable in (
        ("catalog-worker", "worker", "WORKER_METRICS_PORT"),
        ("catalog-beat", "beat", "BEAT_METRICS_PORT"),
    ):
        serving = containers(deployments[deployment])[container]
        (port,) = [p for p in serving["ports"] if p["name"] == "metrics"]
        assert setting(objects, serving, variable) == str(port["containerPort"])
    # The API's /metrics with the token the API checks (METRICS_TOKEN, from the same Secret).
    api = containers(deployments["catalog-api"])["api"]
    secrets = {s["secretRef"]["name"] for s in api["envFrom"] if "secretRef" in s}
    (endpoint,) = of_kind(objects, "ServiceMonitor")["catalog-api"]["spec"]["endpoints"]
    credentials = endpoint["authorization"]["credentials"]
    assert credentials["key"] == "METRICS_TOKEN" and credentials["name"] in secrets
