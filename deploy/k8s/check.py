"""Renders deploy/k8s, deploy/k8s/release and deploy/k8s/monitoring with the pinned kubectl and
validates every object, offline: Kubernetes objects against the schemas of KUBERNETES_VERSION
(kubernetes-validate, strict: an unknown field fails); the custom resources, whose CRDs are not in
those schemas, against the schema beside this file for their API group: KEDA's
(keda.schema.json), the Prometheus Operator's (prometheus-operator.schema.json). `make lint` runs
it; test_k8s_manifests.py renders through render().

    .venv/bin/python deploy/k8s/check.py
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import kubernetes_validate
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
# What `make` installs (the Makefile's KUBECTL); KUBECTL in the environment overrides it.
KUBECTL = Path(os.environ.get("KUBECTL", ROOT / ".tools" / "bin" / "kubectl"))
FOLDERS = (HERE, HERE / "release", HERE / "monitoring")
KUBERNETES_VERSION = "1.32.0"
# API group -> (schema file, the kinds it defines).
CUSTOM_SCHEMAS = {
    "keda.sh": (HERE / "keda.schema.json", ("ScaledObject", "TriggerAuthentication")),
    "monitoring.coreos.com": (
        HERE / "prometheus-operator.schema.json",
        ("ServiceMonitor", "PrometheusRule"),
    ),
}


def render(folder: Path) -> list[dict]:
    """The objects `kubectl kustomize folder` renders."""
    result = subprocess.run(  # noqa: S603 - our own kubectl, our own folders
        [str(KUBECTL), "kustomize", str(folder)], capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0:
        raise RuntimeError(f"kubectl kustomize {folder} failed:\n{result.stderr}")
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def custom_validators() -> dict[tuple[str, str], jsonschema.Draft202012Validator]:
    """A validator per (API group, kind) of the custom resources, from their schema files."""
    validators = {}
    for group, (path, kinds) in CUSTOM_SCHEMAS.items():
        schema = json.loads(path.read_text())
        for kind in kinds:
            validator = jsonschema.Draft202012Validator({**schema, "$ref": f"#/$defs/{kind}"})
            validators[group, kind] = validator
    return validators


def errors(doc: dict, custom: dict[tuple[str, str], jsonschema.Draft202012Validator]) -> list[str]:
    """What is wrong with one rendered object (nothing: an empty list)."""
    group = doc.get("apiVersion", "").partition("/")[0]
    if group in CUSTOM_SCHEMAS:
        validator = custom.get((group, doc.get("kind")))
        if validator is None:
            return [f"no schema for {group}'s {doc.get('kind')} in {CUSTOM_SCHEMAS[group][0].name}"]
        return [
            f"{'.'.join(map(str, error.absolute_path)) or '(object)'}: {error.message}"
            for error in validator.iter_errors(doc)
        ]
    try:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        return [f"{'.'.join(map(str, error.path)) or '(object)'}: {error.message}"]
    except kubernetes_validate.SchemaNotFoundError:
        return [f"no schema for {doc.get('apiVersion')} {doc.get('kind')} in {KUBERNETES_VERSION}"]
    return []


def main() -> int:
    custom = custom_validators()
    failed = checked = 0
    for folder in FOLDERS:
        for doc in render(folder):
            checked += 1
            for error in errors(doc, custom):
                failed += 1
                name = f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
                print(f"{folder.relative_to(ROOT)}: {name}: {error}", file=sys.stderr)
    if failed:
        print(f"{failed} error(s) in the Kubernetes manifests", file=sys.stderr)
        return 1
    schemas = ", ".join(path.name for path, _ in CUSTOM_SCHEMAS.values())
    print(f"{checked} Kubernetes objects valid (Kubernetes {KUBERNETES_VERSION}, {schemas})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
