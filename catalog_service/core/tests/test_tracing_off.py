"""Without OTEL_EXPORTER_OTLP_ENDPOINT nothing is instrumented and no exporter is loaded (the
live processes' export: test_observability_live.py)."""

import subprocess
import sys

import pytest

from testing.services import ROOT, service_env

pytestmark = pytest.mark.timeout(120)


def test_without_an_endpoint_nothing_is_instrumented():
    # (redis-py imports the OpenTelemetry API for metrics of its own, off unless asked for.)
    probe = (
        "import sys, config.wsgi, config.celery; from django.conf import settings; "
        "print(sorted(m for m in sys.modules if m.startswith(('opentelemetry.instrumentation', "
        "'opentelemetry.exporter'))) + [m for m in settings.MIDDLEWARE if 'opentelemetry' in m])"
    )
    env = service_env()
    env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]", result.stdout
