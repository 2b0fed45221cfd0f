"""Traces leave the real API over OTLP only when OTEL_EXPORTER_OTLP_ENDPOINT is set; without it
nothing is instrumented and no exporter is loaded."""

import json
import subprocess
import sys

import pytest
import requests
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from catalog_service.notifications.tests.conftest import HttpRecorder
from testing.services import ROOT, service_env, wait_for

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def collector():
    """An OTLP/HTTP receiver standing in for the collector: records what it is sent."""
    recorder = HttpRecorder()
    recorder.status = 200
    yield recorder
    recorder.close()


def test_api_exports_its_spans_over_otlp_and_logs_the_trace_id(live_api, collector, product):
    server = live_api(
        OTEL_EXPORTER_OTLP_ENDPOINT=collector.url, OTEL_BSP_SCHEDULE_DELAY=100, WEB_CONCURRENCY=1
    )
    assert requests.get(f"{server.url}/api/v1/product/{product.id}/", timeout=10).ok
    requests.get(f"{server.url}/api/v1/no-such-thing/", timeout=10)  # logs a warning

    def exported() -> list:
        spans = []
        for request in collector.requests:
            if request["path"] == "/v1/traces":
                message = ExportTraceServiceRequest.FromString(request["body"])
                for resource in message.resource_spans:
                    attributes = {a.key: a.value.string_value for a in resource.resource.attributes}
                    for scope in resource.scope_spans:
                        spans += [(attributes["service.name"], s) for s in scope.spans]
        return spans

    def names() -> set[str]:
        return {span.name for _, span in exported()}

    assert wait_for(lambda: "GET api/v1/product/<int:pk>/" in names(), 20), names()
    assert {service for service, _ in exported()} == {"catalog-api"}
    assert not [name for name in names() if "healthz" in name]  # probes are not traced
    # psycopg: the detail's query, in the request's trace
    assert any(
        attribute.key == "db.system" for _, span in exported() for attribute in span.attributes
    )
    warnings = [json.loads(line) for line in server.output().splitlines() if line.startswith("{")]
    not_found = [entry for entry in warnings if "Not Found" in entry["message"]]
    assert not_found and len(not_found[-1]["trace_id"]) == 32


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
