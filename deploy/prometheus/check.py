"""`promtool check rules` and `promtool test rules` (rules-test.yaml beside this file) on the
alert rules, which are written once: the PrometheusRule of deploy/k8s/monitoring/monitoring.yaml.
Its spec is a Prometheus rules file as it stands. `make lint` runs it.

    .venv/bin/python deploy/prometheus/check.py
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
MONITORING = HERE.parent / "k8s" / "monitoring" / "monitoring.yaml"
TESTS = HERE / "rules-test.yaml"


def rules() -> dict:
    """The rule groups of the PrometheusRule in monitoring.yaml."""
    for doc in yaml.safe_load_all(MONITORING.read_text()):
        if doc and doc.get("kind") == "PrometheusRule":
            return doc["spec"]
    raise SystemExit(f"no PrometheusRule in {MONITORING}")


def main() -> int:
    promtool = shutil.which("promtool")
    if promtool is None:
        print("promtool is missing: apt-get install prometheus", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="rules-") as folder:
        (Path(folder) / "rules.yaml").write_text(yaml.safe_dump(rules(), sort_keys=False))
        shutil.copy(TESTS, Path(folder) / TESTS.name)
        for command in (["check", "rules", "rules.yaml"], ["test", "rules", TESTS.name]):
            result = subprocess.run([promtool, *command], cwd=folder, check=False)  # noqa: S603
            if result.returncode:
                return result.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
