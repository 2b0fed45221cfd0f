"""Renders deploy/k8s and deploy/k8s/release with the pinned kubectl and validates every object,
offline: Kubernetes objects against the schemas of KUBERNETES_VERSION (kubernetes-validate,
strict: an unknown field fails), KEDA's against keda.schema.json beside this file (KEDA's CRDs
are not in those schemas). `make lint` runs it; test_k8s_manifests.py renders through render().

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
FOLDERS = (HERE, HERE / "release")
KUBERNETES_VERSION = "1.32.0"
KEDA_SCHEMA = HERE / "keda.schema.json"


def render(folder: Path) -> list[dict]:
    """The objects `kubectl kustomize folder` renders."""
    result = subprocess.run(  # noqa: S603 - our own kubectl, our own folders
        [str(KUBECTL), "kustomize", str(folder)], capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0:
        raise RuntimeError(f"kubectl kustomize {folder} failed:\n{result.stderr}")
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def keda_validators() -> dict[str, jsonschema.Draft202012Validator]:
    """A validator per KEDA kind, from the definitions of keda.schema.json."""
    schema = json.loads(KEDA_SCHEMA.read_text())
    return {
        kind: jsonschema.Draft202012Validator({**schema, "$ref": f"#/$defs/{kind}"})
        for kind in ("ScaledObject", "TriggerAuthentication")
    }


def errors(doc: dict, keda: dict[str, jsonschema.Draft202012Validator]) -> list[str]:
    """What is wrong with one rendered object (nothing: an empty list)."""
    if doc.get("apiVersion", "").startswith("keda.sh/"):
        if doc.get("kind") not in keda:
            return [f"no schema for KEDA's {doc.get('kind')} in {KEDA_SCHEMA.name}"]
        return [
            f"{'.'.join(map(str, error.absolute_path)) or '(object)'}: {error.message}"
            for error in keda[doc["kind"]].iter_errors(doc)
        ]
    try:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        return [f"{'.'.join(map(str, error.path)) or '(object)'}: {error.message}"]
    except kubernetes_validate.SchemaNotFoundError:
        return [f"no schema for {doc.get('apiVersion')} {doc.get('kind')} in {KUBERNETES_VERSION}"]
    return []


def main() -> int:
    keda = keda_validators()
    failed = checked = 0
    for folder in FOLDERS:
        for doc in render(folder):
            checked += 1
            for error in errors(doc, keda):
                failed += 1
                name = f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
                print(f"{folder.relative_to(ROOT)}: {name}: {error}", file=sys.stderr)
    if failed:
        print(f"{failed} error(s) in the Kubernetes manifests", file=sys.stderr)
        return 1
    print(f"{checked} Kubernetes objects valid (Kubernetes {KUBERNETES_VERSION}, KEDA schema)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
